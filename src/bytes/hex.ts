import { InputError } from '../errors.js';

const HEX_DIGITS = '0123456789ABCDEF';
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

/** Uppercase hex without separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_HEX[b];
  return out;
}

/** Uppercase hex with a space between bytes, as traces show APDUs. */
export function toSpacedHex(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (const b of bytes) parts.push(BYTE_TO_HEX[b]!);
  return parts.join(' ');
}

/**
 * Strict hex: an even number of hex digits, nothing else. Use for data that came from a program.
 * `what` names the thing in the error message.
 */
export function fromHex(hex: string, what = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0) throw new InputError(what, `${what}: odd number of hex digits (${hex.length})`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i));
    const lo = hexValue(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      const at = hi < 0 ? 2 * i : 2 * i + 1;
      throw new InputError(what, `${what}: '${hex[at]}' at position ${at + 1} is not a hex digit`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * Tolerant hex for what people type: spaces, tabs, colons, dashes and a leading 0x are allowed
 * between bytes. Anything else is an error naming the character.
 */
export function parseHex(text: string, what = 'hex'): Uint8Array {
  const cleaned = text
    .trim()
    .replace(/^0x/i, '')
    .replace(/[\s:-]+/g, '');
  return fromHex(cleaned, what);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** True when `text` is tolerant hex (see parseHex). */
export function isHex(text: string): boolean {
  return /^(0x)?[0-9a-fA-F\s:-]*$/i.test(text.trim()) && text.replace(/^\s*0x/i, '').replace(/[\s:-]+/g, '').length % 2 === 0;
}
