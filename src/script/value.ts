import { bytesToUint } from '../bytes/bytes.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { SscardError } from '../errors.js';
import { ScriptRuntimeError, type SourceLocation } from './script-errors.js';

/**
 * A bare word of digits and letters as written (`123456`, `A0000003`, `1000`). It stays untyped
 * until used: hex bytes in an APDU, a decimal number for `amount(1000)`, digits for `bcd(20240101)`.
 */
export class Literal {
  constructor(readonly text: string) {}
}

/** What script expressions compute: bytes, text (from "quotes"), numbers (len, indices) or a bare word. */
export type Value = Uint8Array | string | number | Literal;

export function describeValue(v: Value): string {
  if (v instanceof Uint8Array) return `bytes ${toHex(v) || '(empty)'}`;
  if (v instanceof Literal) return v.text;
  if (typeof v === 'number') return `number ${v}`;
  return `text "${v}"`;
}

export function toBytes(v: Value, what: string, loc?: SourceLocation): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof Literal) {
    try {
      return fromHex(v.text.startsWith('0x') || v.text.startsWith('0X') ? v.text.slice(2) : v.text, what);
    } catch (error) {
      throw new ScriptRuntimeError(error instanceof SscardError ? error.message : String(error), loc);
    }
  }
  if (typeof v === 'number') {
    // The common case is a length byte (`${len($pin)}`); wider numbers must say their width.
    if (Number.isInteger(v) && v >= 0 && v <= 255) return new Uint8Array([v]);
    throw new ScriptRuntimeError(`${what}: number ${v} does not fit one byte; write u16(…) or u32(…)`, loc);
  }
  throw new ScriptRuntimeError(`${what}: text "${v}" is not bytes; write gbk("…") or ascii("…")`, loc);
}

export function toNumber(v: Value, what: string, loc?: SourceLocation): number {
  if (typeof v === 'number') return v;
  if (v instanceof Literal) {
    if (/^\d+$/.test(v.text)) return Number(v.text);
    if (/^0x[0-9a-f]+$/i.test(v.text)) return Number.parseInt(v.text.slice(2), 16);
    throw new ScriptRuntimeError(`${what}: "${v.text}" is not a decimal number`, loc);
  }
  if (v instanceof Uint8Array) {
    if (v.length >= 1 && v.length <= 6) return bytesToUint(v);
    throw new ScriptRuntimeError(`${what}: ${v.length} byte(s) cannot be read as a number`, loc);
  }
  if (/^\s*\d+\s*$/.test(v)) return Number(v);
  throw new ScriptRuntimeError(`${what}: text "${v}" is not a number`, loc);
}

export function toText(v: Value, what: string, loc?: SourceLocation): string {
  if (typeof v === 'string') return v;
  if (v instanceof Literal) return v.text;
  if (typeof v === 'number') return String(v);
  throw new ScriptRuntimeError(`${what}: expected text or digits, got ${describeValue(v)}`, loc);
}

/** How `print` shows a value. */
export function showValue(v: Value): string {
  if (v instanceof Uint8Array) return toHex(v);
  if (v instanceof Literal) return v.text;
  return String(v);
}
