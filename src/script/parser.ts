import { dirname, resolve } from 'node:path';
import { concatBytes } from '../bytes/bytes.js';
import type { Expectation, Expr, Script, Statement, Step } from './ast.js';
import { APDU_PARTS, type ExpressionContext, ExpressionParser, tokenize } from './expression-parser.js';
import { functionNames, lookupFunction } from './functions.js';
import { parseBytePattern, parseSwPattern } from './pattern.js';
import { ScriptSyntaxError, type SourceLocation } from './script-errors.js';
import { type LogicalLine, splitLogicalLines } from './source-lines.js';
import { Literal, toBytes } from './value.js';

/** Repeat counts are bounded so a typo cannot hang CI. */
export const MAX_REPEAT = 1_000_000;
/** Includes inside includes, and repeats inside repeats: each level is a recursion in the parser or the runner. */
export const MAX_INCLUDE_DEPTH = 32;
export const MAX_REPEAT_DEPTH = 64;

export interface ParseOptions {
  /** Reads an included file (a path already resolved against the including file). */
  readInclude?: (path: string) => string;
}

interface Section {
  kind: 'prelude' | 'setup' | 'step' | 'teardown';
  body: Statement[];
}

interface ParseState {
  script: Script;
  section: Section;
  /** Open `repeat` blocks: where their statements go, and where they began. */
  blocks: Array<{ body: Statement[]; loc: SourceLocation }>;
  includeStack: string[];
  options: ParseOptions;
  /** Repeat multiplier for the command estimate. */
  multiplier: number[];
}

const EXPRESSION_CONTEXT_BASE = {
  isFunction: (name: string) => lookupFunction(name) !== undefined,
  functionNames,
};

/**
 * Parses a script (scriptor lines plus sscard's expectations, variables and structure). Includes
 * are read through `options.readInclude` and inlined; every error is a ScriptSyntaxError at
 * file:line:column.
 */
export function parseScript(source: string, file: string, options: ParseOptions = {}): Script {
  const script: Script = { file, prelude: [], setup: [], steps: [], teardown: [], includes: [], estimatedCommands: 0 };
  const state: ParseState = {
    script,
    section: { kind: 'prelude', body: script.prelude },
    blocks: [],
    includeStack: [resolve(file)],
    options,
    multiplier: [1],
  };
  parseInto(source, file, state);
  if (script.steps.length === 0) {
    // A plain scriptor file: the whole file is one test case named after it.
    const body = script.prelude.splice(0);
    script.steps.push({ name: file, loc: { file, line: 1, column: 1 }, comments: [], body, implicit: true });
  }
  return script;
}

function parseInto(source: string, file: string, state: ParseState): void {
  const lines = splitLogicalLines(source, file);
  const depthAtStart = state.blocks.length;
  let pending: string[] = [];
  for (const line of lines) {
    const trimmed = line.text.trim();
    if (trimmed === '') {
      if (line.comment !== undefined) pending.push(line.comment);
      else pending = [];
      continue;
    }
    const comments = line.comment === undefined ? pending : [...pending, line.comment];
    pending = [];
    parseLine(line, trimmed, comments, state);
  }
  if (state.blocks.length > depthAtStart) {
    const open = state.blocks[state.blocks.length - 1]!;
    throw new ScriptSyntaxError({ file, line: lines.length, column: 1 }, `end to close the repeat at line ${open.loc.line}`, 'end of file');
  }
}

function parseLine(line: LogicalLine, trimmed: string, comments: string[], state: ParseState): void {
  const lead = line.text.length - line.text.trimStart().length;
  const ctx: ExpressionContext = { ...EXPRESSION_CONTEXT_BASE, locate: line.locate };
  const loc = line.locate(lead);
  const wordMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(trimmed);
  const word = wordMatch?.[0] ?? '';
  const restOffset = lead + word.length;
  const rest = line.text.slice(restOffset);
  // Every statement starts with the same two fields (comments may be undefined): statements of a
  // kind then share one shape, which keeps the runner's loop over them fast (18 ns, not 700 ns,
  // per plain command).
  const base = { loc, comments: comments.length > 0 ? comments : undefined };
  const add = (s: Statement): void => {
    currentBody(state).push(s);
  };

  // Transcripts: scriptor's `> cmd` / `< resp : meaning`, cardpeek's `C:` / `R:`.
  const transcript = /^(>|<|[CR]:)/.exec(trimmed);
  if (transcript) {
    const marker = transcript[1]!;
    const offset = lead + marker.length;
    const body = line.text.slice(offset);
    if (marker === '>' || marker === 'C:') {
      addApdu(body, offset, undefined, line, ctx, base, state);
      return;
    }
    const meaningAt = findTopLevel(body, ':');
    const response = meaningAt < 0 ? body : body.slice(0, meaningAt);
    add({ ...base, kind: 'expect', expectation: responseExpectation(response, offset, ctx, loc, true) });
    return;
  }

  switch (word) {
    case 'reset': {
      const kind = rest.trim();
      if (kind !== '' && kind !== 'warm' && kind !== 'cold')
        throw new ScriptSyntaxError(line.locate(restOffset + 1), 'warm, cold or nothing after reset', `'${kind}'`);
      add({ ...base, kind: 'reset', reset: kind === 'cold' ? 'cold' : 'warm' });
      return;
    }
    case 'exit':
      noArguments(rest, restOffset, line, 'exit');
      add({ ...base, kind: 'exit' });
      return;
    case 'step':
    case 'setup':
    case 'teardown':
      openSection(word, rest, restOffset, line, comments, state);
      return;
    case 'include':
      include(rest, restOffset, line, state);
      return;
    case 'repeat':
      openRepeat(rest, restOffset, line, base, state);
      return;
    case 'end': {
      noArguments(rest, restOffset, line, 'end');
      const block = state.blocks.pop();
      if (!block || state.blocks.length < 0) throw new ScriptSyntaxError(loc, 'a repeat before this end');
      state.multiplier.pop();
      return;
    }
    case 'set':
    case 'param':
      assignment(rest, restOffset, line, ctx, base, state, word === 'param');
      return;
    case 'expect':
      add({ ...base, kind: 'expect', expectation: parseExpect(rest, restOffset, line, ctx) });
      return;
    case 'assert':
      add(parseAssert(rest, restOffset, line, ctx, base));
      return;
    case 'print': {
      const parser = new ExpressionParser(tokenize(rest, restOffset, line.locate), ctx);
      const expr = parser.parseSequence('expr', 'what to print');
      if (!parser.atEnd()) throw parser.error('the end of the line');
      add({ ...base, kind: 'print', expr });
      return;
    }
    case 'echo':
      add({ ...base, kind: 'print', expr: { kind: 'literal', value: rest.trim() } });
      return;
    case 't0': {
      const mode = rest.trim();
      if (mode !== 'auto' && mode !== 'raw') throw new ScriptSyntaxError(line.locate(restOffset + 1), 'auto or raw after t0', `'${mode}'`);
      add({ ...base, kind: 't0', auto: mode === 'auto' });
      return;
    }
    default:
      break;
  }
  if (trimmed.startsWith('$') && /^\$[A-Za-z_][A-Za-z0-9_]*\s*=(?![>=])/.test(trimmed)) {
    assignment(line.text.slice(lead), lead, line, ctx, base, state, false);
    return;
  }
  addApdu(line.text.slice(lead), lead, line.text.slice(lead), line, ctx, base, state);
}

function currentBody(state: ParseState): Statement[] {
  const block = state.blocks[state.blocks.length - 1];
  return block ? block.body : state.section.body;
}

function noArguments(rest: string, offset: number, line: LogicalLine, word: string): void {
  if (rest.trim() !== '') throw new ScriptSyntaxError(line.locate(offset + 1), `nothing after ${word}`, `'${rest.trim()}'`);
}

function openSection(
  word: 'step' | 'setup' | 'teardown',
  rest: string,
  offset: number,
  line: LogicalLine,
  comments: string[],
  state: ParseState,
): void {
  const loc = line.locate(line.text.length - line.text.trimStart().length);
  const open = state.blocks[state.blocks.length - 1];
  if (open) throw new ScriptSyntaxError(loc, `end to close the repeat at line ${open.loc.line} before ${word}`, word);
  if (word === 'setup' || word === 'teardown') {
    noArguments(rest, offset, line, word);
    state.section = { kind: word, body: word === 'setup' ? state.script.setup : state.script.teardown };
    return;
  }
  const text = rest.trim();
  let name = text;
  if (text.startsWith('"')) {
    const tokens = tokenize(rest, offset, line.locate);
    const first = tokens[0]!;
    if (first.kind !== 'string' || tokens[1]?.kind !== 'end')
      throw new ScriptSyntaxError(line.locate(offset + 1), 'a step name: "quoted" or the rest of the line');
    name = first.text;
  }
  if (name === '') throw new ScriptSyntaxError(line.locate(offset + 1), 'a step name after step', 'end of line');
  const step: Step = { name, loc, comments, body: [], implicit: false };
  state.script.steps.push(step);
  state.section = { kind: 'step', body: step.body };
}

function include(rest: string, offset: number, line: LogicalLine, state: ParseState): void {
  let target = rest.trim();
  if (target.startsWith('"') && target.endsWith('"') && target.length >= 2) target = target.slice(1, -1);
  const loc = line.locate(offset + 1);
  if (target === '') throw new ScriptSyntaxError(loc, 'a file name after include', 'end of line');
  const read = state.options.readInclude;
  if (!read) throw new ScriptSyntaxError(loc, 'no include here (this script was not read from a file)');
  if (state.includeStack.length > MAX_INCLUDE_DEPTH) {
    throw new ScriptSyntaxError(loc, `includes nested at most ${MAX_INCLUDE_DEPTH} deep`, `include ${MAX_INCLUDE_DEPTH + 1} levels down`);
  }
  const current = state.includeStack[state.includeStack.length - 1]!;
  const path = resolve(dirname(current), target);
  if (state.includeStack.includes(path)) {
    throw new ScriptSyntaxError(
      loc,
      `an include that does not loop (${[...state.includeStack, path].map((p) => p.split(/[\\/]/).pop()).join(' → ')})`,
      target,
    );
  }
  let source: string;
  try {
    source = read(path);
  } catch {
    throw new ScriptSyntaxError(loc, 'a readable file to include', `${target} (not found)`);
  }
  state.script.includes.push(path);
  state.includeStack.push(path);
  parseInto(source, displayPath(line.locate(0).file, target), state);
  state.includeStack.pop();
}

/** Included files are named relative to the script that included them, as written. */
function displayPath(includer: string, target: string): string {
  const dir = includer.includes('/') ? includer.slice(0, includer.lastIndexOf('/') + 1) : '';
  return target.startsWith('/') ? target : `${dir}${target}`;
}

function openRepeat(
  rest: string,
  offset: number,
  line: LogicalLine,
  base: { loc: SourceLocation; comments?: string[] },
  state: ParseState,
): void {
  if (state.blocks.length >= MAX_REPEAT_DEPTH) {
    throw new ScriptSyntaxError(
      base.loc,
      `repeat blocks nested at most ${MAX_REPEAT_DEPTH} deep`,
      `repeat ${MAX_REPEAT_DEPTH + 1} levels down`,
    );
  }
  let countText = rest;
  let counter: string | undefined;
  const as = /\s+as\s+\$([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(rest);
  if (as) {
    counter = as[1];
    countText = rest.slice(0, as.index);
  }
  const ctx: ExpressionContext = { ...EXPRESSION_CONTEXT_BASE, locate: line.locate };
  const parser = new ExpressionParser(tokenize(countText, offset, line.locate), ctx);
  const count = parser.parseSequence('expr', `a repeat count (1 to ${MAX_REPEAT})`);
  if (!parser.atEnd()) throw parser.error('the end of the line (or: as $i)');
  let times = 1;
  if (count.kind === 'literal' && count.value instanceof Literal) {
    times = Number(count.value.text);
    if (!/^\d+$/.test(count.value.text) || times > MAX_REPEAT) {
      throw new ScriptSyntaxError(line.locate(offset + 1), `a repeat count from 0 to ${MAX_REPEAT}`, count.value.text);
    }
  }
  const statement: Statement = { ...base, kind: 'repeat', count, counter, body: [] };
  currentBody(state).push(statement);
  state.blocks.push({ body: statement.body, loc: base.loc });
  state.multiplier.push(state.multiplier[state.multiplier.length - 1]! * times);
}

function assignment(
  text: string,
  offset: number,
  line: LogicalLine,
  ctx: ExpressionContext,
  base: { loc: SourceLocation; comments?: string[] },
  state: ParseState,
  isParam: boolean,
): void {
  const m = /^\s*\$?([A-Za-z_][A-Za-z0-9_]*)\s*/.exec(text);
  if (!m) throw new ScriptSyntaxError(line.locate(offset + 1), 'a variable name like $pin', `'${text.trim()}'`);
  const name = m[1]!;
  const after = offset + m[0].length;
  const tokens = tokenize(text.slice(m[0].length), after, line.locate);
  const parser = new ExpressionParser(tokens, ctx);
  if (parser.atEnd() && isParam) {
    // A parameter without a default must come from --param.
    currentBody(state).push({ ...base, kind: 'assign', name, expr: { kind: 'variable', name, loc: base.loc }, onlyIfUnset: true });
    return;
  }
  parser.expectPunct('=', `= after $${name}`);
  const expr = parser.parseSequence('expr', `a value for $${name}`);
  if (!parser.atEnd()) throw parser.error('the end of the line');
  currentBody(state).push({ ...base, kind: 'assign', name, expr, onlyIfUnset: isParam });
}

function parseAssert(
  rest: string,
  offset: number,
  line: LogicalLine,
  ctx: ExpressionContext,
  base: { loc: SourceLocation; comments?: string[] },
): Statement {
  const parser = new ExpressionParser(tokenize(rest, offset, line.locate), ctx);
  const left = parser.parseSequence('expr', 'a value to compare');
  const op = parser.peek();
  if (op.kind !== 'punct' || (op.text !== '==' && op.text !== '!=')) throw parser.error('== or !=');
  parser.next();
  const right = parser.parseSequence('expr', 'a value to compare with');
  if (!parser.atEnd()) throw parser.error('the end of the line');
  return { ...base, kind: 'assert', left, op: op.text as '==' | '!=', right, source: rest.trim() };
}

function parseExpect(rest: string, offset: number, line: LogicalLine, ctx: ExpressionContext): Expectation {
  const m = /^(\s*)([a-z]+)(\s*)/.exec(rest);
  const what = m?.[2] ?? '';
  const loc = line.locate(offset + (m?.[1]?.length ?? 0));
  const argOffset = offset + (m?.[0].length ?? 0);
  const args = rest.slice(m?.[0].length ?? 0);
  const source = `expect ${rest.trim()}`;
  switch (what) {
    case 'sw':
      return { kind: 'sw', pattern: parseSwPattern(args, argOffset, ctx), loc, source };
    case 'data': {
      const prefix = /^prefix\b\s*/.exec(args);
      if (/^empty\s*$/.test(args)) return { kind: 'data', mode: 'exact', pattern: { items: [], source: '' }, loc, source };
      const body = prefix ? args.slice(prefix[0].length) : args;
      const pattern = parseBytePattern(body, argOffset + (prefix?.[0].length ?? 0), ctx);
      if (pattern.items.length === 0)
        throw new ScriptSyntaxError(
          line.locate(argOffset),
          'the expected data (hex, .. for any byte, * for the rest), prefix …, or empty',
          'end of line',
        );
      return { kind: 'data', mode: prefix ? 'prefix' : 'exact', pattern, loc, source };
    }
    case 'len': {
      const n = args.trim();
      if (!/^\d+$/.test(n)) throw new ScriptSyntaxError(line.locate(argOffset), 'a decimal length after expect len', `'${n}'`);
      return { kind: 'len', length: Number(n), loc, source };
    }
    case 'tlv': {
      const pm = /^([0-9A-Fa-f]+(?:\/[0-9A-Fa-f]+)*)\s*/.exec(args);
      if (!pm) throw new ScriptSyntaxError(line.locate(argOffset), 'a TLV path like 6F/A5/BF0C/61/4F', `'${args.trim()}'`);
      const path = pm[1]!.toUpperCase().split('/');
      const after = args.slice(pm[0].length);
      if (after.trim() === '') return { kind: 'tlv', path, pattern: undefined, loc, source };
      if (!after.startsWith('='))
        throw new ScriptSyntaxError(
          line.locate(argOffset + pm[0].length),
          '= and the expected value after the TLV path',
          `'${after.trim()}'`,
        );
      const pattern = parseBytePattern(after.slice(1), argOffset + pm[0].length + 1, ctx);
      return { kind: 'tlv', path, pattern, loc, source };
    }
    default:
      throw new ScriptSyntaxError(loc, 'sw, data, len or tlv after expect', what === '' ? 'end of line' : `'${what}'`);
  }
}

function addApdu(
  text: string,
  offset: number,
  source: string | undefined,
  line: LogicalLine,
  ctx: ExpressionContext,
  base: { loc: SourceLocation; comments?: string[] },
  state: ParseState,
): void {
  const arrow = findTopLevel(text, '=>');
  const commandText = arrow < 0 ? text : text.slice(0, arrow);
  const parser = new ExpressionParser(tokenize(commandText, offset, line.locate), ctx);
  const expr = parser.parseSequence('apdu', 'an APDU in hex');
  if (!parser.atEnd()) throw parser.error(`${APDU_PARTS}, or => and the expected response`);
  const expectations: Expectation[] = [];
  if (arrow >= 0)
    expectations.push(responseExpectation(text.slice(arrow + 2), offset + arrow + 2, ctx, line.locate(offset + arrow), false));
  const bytes = staticBytes(expr, line.locate(offset));
  const dynamic = bytes === undefined;
  // One literal with every field, in one order: all APDU statements share one shape.
  currentBody(state).push({
    kind: 'apdu',
    loc: base.loc,
    comments: base.comments,
    bytes,
    expr: dynamic ? expr : undefined,
    source: dynamic && source !== undefined && dataIsOnlyVariables(expr) ? commandText.trim() : undefined,
    expectations,
  });
  state.script.estimatedCommands += state.multiplier[state.multiplier.length - 1]!;
}

/**
 * Whether everything after the command's header (CLA INS P1 P2 Lc, or 00 Lc Lc extended) is
 * `$variables`: then the line as written holds no secret a command might carry, and a transcript can
 * write it for a replay with --param. A literal or a function call there (`123456 ${mac(…)}`) may be
 * the PIN or the key itself.
 */
function dataIsOnlyVariables(expr: Expr): boolean {
  const parts = expr.kind === 'concat' ? expr.parts : [expr];
  let header: Uint8Array = new Uint8Array(0);
  let i = 0;
  for (; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind !== 'literal' || !(part.value instanceof Literal)) break;
    try {
      header = concatBytes(header, toBytes(part.value, 'APDU'));
    } catch {
      return false;
    }
  }
  const headerFits = header.length <= 5 || (header.length === 7 && header[4] === 0);
  return headerFits && i < parts.length && parts.slice(i).every((part) => part.kind === 'variable');
}

/** Plain hex lines are encoded once, here, so the runner sends them without evaluating anything. */
function staticBytes(expr: Expr, loc: SourceLocation): Uint8Array | undefined {
  let lit: Literal | undefined;
  if (expr.kind === 'literal' && expr.value instanceof Literal) lit = expr.value;
  if (expr.kind === 'concat' && expr.parts.length === 1) {
    const only = expr.parts[0]!;
    if (only.kind === 'literal' && only.value instanceof Literal) lit = only.value;
  }
  if (!lit) return undefined;
  try {
    return toBytes(lit, 'APDU');
  } catch {
    throw new ScriptSyntaxError(loc, 'an APDU of whole bytes (an even number of hex digits)', `${lit.text.length} hex digits`);
  }
}

/**
 * `=> [data] SW` after a command, or a `<` / `R:` transcript line: the status word is the last
 * four hex digits (`9000`, `61XX`, `90 00`, or a set `6A82|6A83`), data before it. In a transcript
 * line the data is exact (none means none); after `=>`, leaving it out means it is not checked.
 */
function responseExpectation(text: string, offset: number, ctx: ExpressionContext, loc: SourceLocation, exactData: boolean): Expectation {
  const tokens: Array<{ text: string; at: number }> = [];
  for (const m of text.matchAll(/\S+/g)) tokens.push({ text: m[0], at: m.index });
  const last = tokens[tokens.length - 1];
  if (!last) throw new ScriptSyntaxError(ctx.locate(offset + text.length), 'the expected status word, like 9000 or 61XX', 'end of line');
  let swStart: number;
  const sw2 = tokens[tokens.length - 2];
  if (last.text.includes('|') || /^[0-9A-Fa-fXx?]{4}$/.test(last.text)) swStart = last.at;
  else if (sw2 && /^[0-9A-Fa-fXx?]{2}$/.test(last.text) && /^[0-9A-Fa-fXx?]{2}$/.test(sw2.text)) swStart = sw2.at;
  else if (/^[0-9A-Fa-fXx?]{6,}$/.test(last.text) && last.text.length % 2 === 0) swStart = last.at + last.text.length - 4;
  else
    throw new ScriptSyntaxError(
      ctx.locate(offset + last.at),
      'the status word (4 hex digits, like 9000 or 61XX) at the end of the expected response',
      `'${last.text}'`,
    );
  const swPattern = parseSwPattern(text.slice(swStart), offset + swStart, ctx);
  const dataText = text.slice(0, swStart);
  const source = `=> ${text.trim()}`;
  const data = dataText.trim() === '' && !exactData ? undefined : parseBytePattern(dataText, offset, ctx);
  return { kind: 'response', data, sw: swPattern, loc, source };
}

/** Index of `needle` outside quotes, ${ } and [ ]; -1 when absent. */
function findTopLevel(text: string, needle: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (depth === 0 && text.startsWith(needle, i)) return i;
  }
  return -1;
}
