import { DecodeError, InputError } from '../errors.js';

/**
 * `cn` fields (compressed numeric): digits left-justified, padded on the right with F nibbles.
 * Card-facts §2: birthplace region codes, dates, organisation numbers.
 */
export function encodeCn(digits: string, length: number, what = 'cn field'): Uint8Array {
  if (!/^[0-9]*$/.test(digits)) throw new InputError(what, `${what} must contain digits only, got "${digits}"`);
  if (digits.length > length * 2) throw new InputError(what, `${what} has ${digits.length} digits, room for ${length * 2}`);
  const out = new Uint8Array(length).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    const byte = out[i >> 1]!;
    out[i >> 1] = i % 2 === 0 ? (d << 4) | (byte & 0x0f) : (byte & 0xf0) | d;
  }
  return out;
}

/** Reads a `cn` field up to the first F nibble; any nibble A–E is an error naming its offset. */
export function decodeCn(bytes: Uint8Array, what = 'cn field'): string {
  let out = '';
  for (let i = 0; i < bytes.length * 2; i++) {
    const byte = bytes[i >> 1]!;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    if (nibble === 0xf) {
      // Padding must run to the end: a digit after an F means the field is not cn.
      for (let j = i + 1; j < bytes.length * 2; j++) {
        const b = bytes[j >> 1]!;
        if ((j % 2 === 0 ? b >> 4 : b & 0x0f) !== 0xf) throw new DecodeError(what, j >> 1, 'digit after F padding');
      }
      break;
    }
    if (nibble > 9) throw new DecodeError(what, i >> 1, `nibble ${nibble.toString(16).toUpperCase()} is not a BCD digit`);
    out += String.fromCharCode(48 + nibble);
  }
  return out;
}

/**
 * `n` fields (EMV numeric): right-justified, left-padded with 0 digits. Amounts (9F02, 9F79) are n12 in 6 bytes.
 */
export function encodeBcdNumber(value: number | bigint | string, length: number, what = 'number'): Uint8Array {
  const digits = typeof value === 'string' ? value : value.toString();
  if (!/^[0-9]+$/.test(digits)) throw new InputError(what, `${what} must be a non-negative integer, got "${digits}"`);
  if (digits.length > length * 2) throw new InputError(what, `${what} ${digits} does not fit in ${length} BCD bytes`);
  const padded = digits.padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = ((padded.charCodeAt(2 * i) - 48) << 4) | (padded.charCodeAt(2 * i + 1) - 48);
  return out;
}

export function decodeBcdDigits(bytes: Uint8Array, what = 'BCD number'): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) throw new DecodeError(what, i, `byte ${b.toString(16).toUpperCase().padStart(2, '0')} is not BCD`);
    out += String.fromCharCode(48 + hi, 48 + lo);
  }
  return out;
}

/** Decodes an `n` field as a number (safe up to 15 digits, enough for n12 amounts). */
export function decodeBcdNumber(bytes: Uint8Array, what = 'BCD number'): number {
  return Number(decodeBcdDigits(bytes, what));
}
