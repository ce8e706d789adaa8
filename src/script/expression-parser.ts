import { BUILTIN_NAMES, type Expr } from './ast.js';
import { ScriptSyntaxError, type SourceLocation } from './script-errors.js';
import { Literal } from './value.js';

export type TokenKind = 'word' | 'var' | 'open-interp' | 'string' | 'masked' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the logical line. */
  offset: number;
}

/** Wording for messages: how a computed part is written in a script. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the script syntax, not a JS template
export const INTERPOLATION = '${expression}';
export const APDU_PARTS = `hex bytes, $variable or ${INTERPOLATION}`;

/**
 * How deep parentheses, `${…}`, function calls and slices may nest in one expression. Real scripts
 * use three or four levels; the parser and the evaluator recurse once per level, so a line with
 * thousands would exhaust the stack.
 */
export const MAX_EXPRESSION_DEPTH = 64;

const PUNCT = ['==', '!=', '=>', '(', ')', ',', '[', ']', ':', '}', '='] as const;
const HEX_WORD = /^(0x)?[0-9A-Fa-f]+$/;

/** Splits `text` (a part of a logical line starting at `base`) into expression tokens. */
export function tokenize(text: string, base: number, locate: (offset: number) => SourceLocation): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const start = i;
    if (c === '$') {
      if (text[i + 1] === '{') {
        out.push({ kind: 'open-interp', text: '${', offset: base + i });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) throw new ScriptSyntaxError(locate(base + i + 1), 'a variable name after $ (letters, digits, _)', quoteChar(text[i + 1]));
      out.push({ kind: 'var', text: m[0], offset: base + i });
      i += 1 + m[0].length;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length)
          throw new ScriptSyntaxError(locate(base + text.length), 'a closing " for the text that starts here', 'end of line');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      i++;
      out.push({ kind: 'string', text: value, offset: base + start });
      continue;
    }
    if (c === '*') {
      while (text[i] === '*') i++;
      out.push({ kind: 'masked', text: text.slice(start, i), offset: base + start });
      continue;
    }
    if (c === '-' && /[0-9]/.test(text[i + 1] ?? '')) {
      i++;
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
      out.push({ kind: 'word', text: text.slice(start, i), offset: base + start });
      continue;
    }
    if (/[A-Za-z0-9_]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      out.push({ kind: 'word', text: text.slice(start, i), offset: base + start });
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i));
    if (!p)
      throw new ScriptSyntaxError(locate(base + i), `hex bytes, $variable, ${INTERPOLATION}, a function call or "text"`, quoteChar(c));
    out.push({ kind: 'punct', text: p, offset: base + i });
    i += p.length;
  }
  out.push({ kind: 'end', text: '', offset: base + text.length });
  return out;
}

function quoteChar(c: string | undefined): string {
  return c === undefined ? 'end of line' : `'${c}'`;
}

export interface ExpressionContext {
  locate: (offset: number) => SourceLocation;
  /** Functions a call may name. */
  isFunction: (name: string) => boolean;
  functionNames: () => string[];
}

/**
 * A recursive-descent parser over tokens. `apdu` mode is for APDU lines: bare words must be hex
 * (names need `$`), so a typo in a command is caught at parse time.
 */
export class ExpressionParser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExpressionContext,
  ) {}

  get position(): number {
    return this.i;
  }
  peek(): Token {
    return this.tokens[this.i]!;
  }
  next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'end') this.i++;
    return t;
  }
  atEnd(): boolean {
    return this.peek().kind === 'end';
  }
  isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }
  expectPunct(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== text) throw this.error(what, t);
    return this.next();
  }
  error(expected: string, token: Token = this.peek()): ScriptSyntaxError {
    return new ScriptSyntaxError(this.ctx.locate(token.offset), expected, describeToken(token));
  }
  loc(token: Token = this.peek()): SourceLocation {
    return this.ctx.locate(token.offset);
  }

  /** Items side by side until `,` `)` `}` `]` `==` `!=` `=>` or the end; one item keeps its type. */
  parseSequence(mode: 'apdu' | 'expr', what = 'an expression'): Expr {
    const start = this.peek();
    const parts: Expr[] = [];
    while (!this.atSequenceEnd()) parts.push(this.parseItem(mode));
    if (parts.length === 0) throw this.error(what);
    return joinParts(parts, this.loc(start));
  }

  private atSequenceEnd(): boolean {
    const t = this.peek();
    if (t.kind === 'end') return true;
    return t.kind === 'punct' && [',', ')', '}', ']', '==', '!=', '=>', '='].includes(t.text);
  }

  private parseItem(mode: 'apdu' | 'expr'): Expr {
    const depthBefore = this.depth;
    let expr = this.parsePrimary(mode);
    // Each slice wraps the expression before it: one level deeper for the evaluator.
    while (this.isPunct('[')) {
      this.enter();
      expr = this.parseSlice(expr);
    }
    this.depth = depthBefore;
    return expr;
  }

  /** One level deeper; a line nested past MAX_EXPRESSION_DEPTH is refused where the extra level opens. */
  private enter(): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      throw new ScriptSyntaxError(
        this.ctx.locate(this.peek().offset),
        `an expression nested at most ${MAX_EXPRESSION_DEPTH} levels deep ((), \${…}, calls and slices)`,
        `level ${MAX_EXPRESSION_DEPTH + 1}`,
      );
    }
  }

  private parsePrimary(mode: 'apdu' | 'expr'): Expr {
    const first = this.peek();
    const following = this.tokens[this.i + 1];
    const isCall = first.kind === 'word' && following?.kind === 'punct' && following.text === '(';
    if (first.kind === 'open-interp' || this.isPunct('(') || isCall) this.enter();
    const t = this.next();
    const loc = this.ctx.locate(t.offset);
    switch (t.kind) {
      case 'var':
        return { kind: 'variable', name: t.text, loc };
      case 'string':
        return { kind: 'literal', value: t.text };
      case 'masked':
        if (t.text.length % 2 !== 0) throw new ScriptSyntaxError(loc, '** for each masked byte (an even number of *)', t.text);
        return { kind: 'masked', count: t.text.length / 2, loc };
      case 'open-interp': {
        const inner = this.peek();
        const after = this.tokens[this.i + 1];
        let expr: Expr;
        // `${NAME}` always names a variable or environment variable, even when NAME looks like hex.
        if (inner.kind === 'word' && after?.kind === 'punct' && after.text === '}' && !BUILTIN_NAMES.has(inner.text)) {
          this.next();
          expr = { kind: 'variable', name: inner.text, loc: this.ctx.locate(inner.offset) };
        } else {
          expr = this.parseSequence('expr');
        }
        this.expectPunct('}', '} to close $' + '{');
        return expr;
      }
      case 'punct':
        if (t.text === '(') {
          const expr = this.parseSequence(mode);
          this.expectPunct(')', ') to close (');
          return expr;
        }
        throw new ScriptSyntaxError(loc, mode === 'apdu' ? APDU_PARTS : 'an expression', `'${t.text}'`);
      case 'word': {
        if (this.isPunct('(')) return this.parseCall(t, loc);
        if (BUILTIN_NAMES.has(t.text) && mode === 'expr') return { kind: 'builtin', name: t.text as 'resp', loc };
        if (HEX_WORD.test(t.text) || /^-?\d+$/.test(t.text)) return { kind: 'literal', value: new Literal(t.text) };
        if (mode === 'apdu') {
          throw new ScriptSyntaxError(loc, `${APDU_PARTS} (names need a $ in an APDU line)`, `'${t.text}'`);
        }
        return { kind: 'variable', name: t.text, loc };
      }
      default:
        throw new ScriptSyntaxError(loc, mode === 'apdu' ? APDU_PARTS : 'an expression', describeToken(t));
    }
  }

  private parseCall(name: Token, loc: SourceLocation): Expr {
    if (!this.ctx.isFunction(name.text)) {
      throw new ScriptSyntaxError(loc, `a function name (${this.ctx.functionNames().join(', ')})`, `'${name.text}'`);
    }
    this.expectPunct('(', '(');
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parseSequence('expr', 'a function argument'));
        if (this.isPunct(',')) {
          this.next();
          continue;
        }
        break;
      }
    }
    this.expectPunct(')', `, or ) to close ${name.text}(`);
    return { kind: 'call', name: name.text, args, loc };
  }

  private parseSlice(target: Expr): Expr {
    const open = this.next();
    const loc = this.ctx.locate(open.offset);
    const start = this.optionalInt();
    if (this.isPunct(']')) {
      this.next();
      if (start === undefined) throw new ScriptSyntaxError(loc, 'an index or a range inside [ ]', "']'");
      return { kind: 'slice', target, start, end: undefined, single: true, loc };
    }
    this.expectPunct(':', ': or ] in a slice like [0:4]');
    const end = this.optionalInt();
    this.expectPunct(']', '] to close the slice');
    return { kind: 'slice', target, start, end, single: false, loc };
  }

  private optionalInt(): number | undefined {
    const t = this.peek();
    if (t.kind === 'word' && /^-?\d+$/.test(t.text)) {
      this.next();
      return Number(t.text);
    }
    if (t.kind === 'punct' && (t.text === ':' || t.text === ']')) return undefined;
    throw this.error('a decimal index');
  }
}

/** Concatenation, with neighbouring bare hex words merged so `00 A4 04 00` is one literal. */
function joinParts(parts: Expr[], loc: SourceLocation): Expr {
  if (parts.length === 1) return parts[0]!;
  const merged: Expr[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (p.kind === 'masked' && last?.kind === 'masked') {
      merged[merged.length - 1] = { ...last, count: last.count + p.count };
    } else if (p.kind === 'literal' && p.value instanceof Literal && last?.kind === 'literal' && last.value instanceof Literal) {
      merged[merged.length - 1] = { kind: 'literal', value: new Literal(last.value.text + p.value.text) };
    } else {
      merged.push(p);
    }
  }
  if (merged.length === 1) {
    // Several hex words side by side are bytes, never a number.
    const only = merged[0]!;
    return only.kind === 'literal' && only.value instanceof Literal ? { kind: 'concat', parts: merged, loc } : only;
  }
  return { kind: 'concat', parts: merged, loc };
}

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of line';
    case 'string':
      return `"${t.text}"`;
    case 'var':
      return `$${t.text}`;
    default:
      return `'${t.text}'`;
  }
}
