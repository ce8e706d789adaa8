import { toSpacedHex } from '../bytes/hex.js';
import type { BytePattern, Expr, PatternItem, SwPattern } from './ast.js';
import { type ExpressionContext, ExpressionParser, tokenize } from './expression-parser.js';
import { ScriptSyntaxError } from './script-errors.js';

const MASK_CHAR = /[0-9A-Fa-fXx?]/;

/**
 * Parses a byte pattern: hex bytes where `XX` / `..` is any byte and `X` / `?` any nibble, `*` at
 * the end for "any further bytes", and `$var` / `${expr}` for bytes computed when the check runs.
 * `text` starts at `base` in the logical line.
 */
export function parseBytePattern(text: string, base: number, ctx: ExpressionContext): BytePattern {
  const items: PatternItem[] = [];
  let run = '';
  let runStart = 0;
  const flush = (): void => {
    if (run.length === 0) return;
    if (run.length % 2 !== 0)
      throw new ScriptSyntaxError(ctx.locate(base + runStart), 'an even number of hex digits (two per byte)', `${run.length} digits`);
    const n = run.length / 2;
    const value = new Uint8Array(n);
    const mask = new Uint8Array(n);
    for (let k = 0; k < run.length; k++) {
      const c = run[k]!;
      const wild = c === 'X' || c === 'x' || c === '?';
      const nibble = wild ? 0 : Number.parseInt(c, 16);
      const shift = k % 2 === 0 ? 4 : 0;
      value[k >> 1]! |= nibble << shift;
      if (!wild) mask[k >> 1]! |= 0xf << shift;
    }
    items.push({ kind: 'bytes', value, mask });
    run = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '.' && text[i + 1] === '.') {
      if (run.length % 2 !== 0) flush();
      if (run.length === 0) runStart = i;
      run += 'XX';
      i += 2;
      continue;
    }
    if (MASK_CHAR.test(c)) {
      if (run.length === 0) runStart = i;
      run += c;
      i++;
      continue;
    }
    flush();
    if (c === '*') {
      if (text.slice(i + 1).trim() !== '')
        throw new ScriptSyntaxError(
          ctx.locate(base + i + 1),
          'nothing after * (it stands for any further bytes)',
          `'${text.slice(i + 1).trim()}'`,
        );
      items.push({ kind: 'rest' });
      break;
    }
    if (c === '$') {
      const end = interpolationEnd(text, i);
      const tokens = tokenize(text.slice(i, end), base + i, ctx.locate);
      const parser = new ExpressionParser(tokens, ctx);
      const expr: Expr = parser.parseSequence('expr');
      if (!parser.atEnd()) throw parser.error('the end of the $ expression');
      items.push({ kind: 'expr', expr });
      i = end;
      continue;
    }
    throw new ScriptSyntaxError(ctx.locate(base + i), 'hex bytes, XX or .. for any byte, * for any further bytes, or $variable', `'${c}'`);
  }
  flush();
  return { items, source: text.trim() };
}

/** End of `$name[..]` or `${ … }` starting at `start`. */
function interpolationEnd(text: string, start: number): number {
  let i = start + 1;
  if (text[i] === '{') {
    let depth = 0;
    let quoted = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') quoted = !quoted;
      if (quoted) continue;
      if (c === '{') depth++;
      if (c === '}' && --depth === 0) return i + 1;
    }
    return text.length;
  }
  while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
  while (text[i] === '[') {
    const close = text.indexOf(']', i);
    i = close < 0 ? text.length : close + 1;
  }
  return i;
}

/** `9000`, `61XX`, `63CX`, `90 00`, a set `61XX|9000`. */
export function parseSwPattern(text: string, base: number, ctx: ExpressionContext): SwPattern {
  const source = text.trim();
  if (source === '') throw new ScriptSyntaxError(ctx.locate(base), 'a status word such as 9000, 61XX or 6A82|6A83', 'end of line');
  const alternatives: SwPattern['alternatives'] = [];
  let offset = base + text.indexOf(source);
  for (const part of source.split('|')) {
    const digits = part.replace(/\s+/g, '');
    if (!/^[0-9A-Fa-fXx?]{4}$/.test(digits)) {
      throw new ScriptSyntaxError(
        ctx.locate(offset + (part.length - part.trimStart().length)),
        'a status word of 4 hex digits (X for any digit), like 9000 or 61XX',
        `'${part.trim()}'`,
      );
    }
    let value = 0;
    let mask = 0;
    for (const c of digits) {
      const wild = c === 'X' || c === 'x' || c === '?';
      value = (value << 4) | (wild ? 0 : Number.parseInt(c, 16));
      mask = (mask << 4) | (wild ? 0 : 0xf);
    }
    alternatives.push({ value, mask });
    offset += part.length + 1;
  }
  return { alternatives, source: source.replace(/\s+/g, '').toUpperCase() };
}

export function swMatches(pattern: SwPattern, sw: number): boolean {
  for (const a of pattern.alternatives) if ((sw & a.mask) === a.value) return true;
  return false;
}

/** A pattern with its computed parts filled in: compare byte by byte under the mask. */
export interface ResolvedPattern {
  value: Uint8Array;
  mask: Uint8Array;
  rest: boolean;
}

export function isStaticPattern(p: BytePattern): boolean {
  return p.items.every((i) => i.kind !== 'expr');
}

export function resolvePattern(p: BytePattern, evaluate: (e: Expr) => Uint8Array): ResolvedPattern {
  const values: Uint8Array[] = [];
  const masks: Uint8Array[] = [];
  let rest = false;
  for (const item of p.items) {
    if (item.kind === 'rest') rest = true;
    else if (item.kind === 'bytes') {
      values.push(item.value);
      masks.push(item.mask);
    } else {
      const v = evaluate(item.expr);
      values.push(v);
      masks.push(new Uint8Array(v.length).fill(0xff));
    }
  }
  const join = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of parts) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  return { value: join(values), mask: join(masks), rest };
}

/** Undefined when `actual` matches; otherwise what differs, in words. */
export function comparePattern(p: ResolvedPattern, actual: Uint8Array, prefix: boolean, actualLength = actual.length): string | undefined {
  const n = p.value.length;
  const length = actualLength;
  // Fast path: the common match, checked without building anything.
  if (length === n || ((p.rest || prefix) && length > n)) {
    let i = 0;
    while (i < n && ((actual[i]! ^ p.value[i]!) & p.mask[i]!) === 0) i++;
    if (i === n) return undefined;
  }
  for (let i = 0; i < n && i < length; i++) {
    if (((actual[i]! ^ p.value[i]!) & p.mask[i]!) !== 0) {
      return `first difference at byte ${i}: expected ${showPatternByte(p.value[i]!, p.mask[i]!)}, got ${hex2(actual[i]!)}`;
    }
  }
  if (length < n) return `expected ${p.rest || prefix ? 'at least ' : ''}${n} byte(s), got ${length}`;
  if (length > n && !p.rest && !prefix) return `expected ${n} byte(s), got ${length} (${length - n} more)`;
  return undefined;
}

export function showPattern(p: ResolvedPattern): string {
  const parts: string[] = [];
  for (let i = 0; i < p.value.length; i++) parts.push(showPatternByte(p.value[i]!, p.mask[i]!));
  if (p.rest) parts.push('*');
  return parts.join(' ') || '(empty)';
}

function showPatternByte(value: number, mask: number): string {
  if (mask === 0xff) return hex2(value);
  if (mask === 0) return '..';
  const hi = mask & 0xf0 ? hex2(value)[0] : 'X';
  const lo = mask & 0x0f ? hex2(value)[1] : 'X';
  return `${hi}${lo}`;
}

export function showBytes(bytes: Uint8Array): string {
  return bytes.length === 0 ? '(empty)' : toSpacedHex(bytes);
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
