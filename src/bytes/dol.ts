import { DecodeError } from '../errors.js';
import { lookupTag } from './tlv-dictionary.js';

/** One entry of a data object list (PDOL, CDOL1, log format 9F4F): a tag and the length it takes. */
export interface DolEntry {
  tag: number;
  length: number;
}

/** A DOL tag has at most this many bytes (BER rules; EMV uses one to three). */
const MAX_DOL_TAG_BYTES = 4;

/** Parses a DOL: a BER tag followed by a one-byte length, repeated. */
export function parseDol(dol: Uint8Array, what = 'DOL'): DolEntry[] {
  const out: DolEntry[] = [];
  let i = 0;
  while (i < dol.length) {
    const start = i;
    let tag = dol[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      let more: boolean;
      do {
        if (i >= dol.length) throw new DecodeError(what, start, 'tag truncated');
        if (i - start === MAX_DOL_TAG_BYTES) throw new DecodeError(what, start, `tag longer than ${MAX_DOL_TAG_BYTES} bytes`);
        const b = dol[i++]!;
        tag = tag * 256 + b;
        more = (b & 0x80) !== 0;
      } while (more);
    }
    if (i >= dol.length) throw new DecodeError(what, start, 'length missing');
    out.push({ tag, length: dol[i++]! });
  }
  return out;
}

export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

/** Whether a tag's value is EMV format n (amounts, dates, codes), which DOL rules align to the right. */
function isNumericTag(tag: number): boolean {
  const format = lookupTag(tag.toString(16).padStart(2, '0'), 'emv')?.format;
  return format === 'n' || format === 'amount';
}

/**
 * DOL-related data from values by tag, by EMV Book 3 §5.4: a value longer than its entry keeps its
 * rightmost bytes when the tag is numeric (format n) and its leftmost bytes otherwise; a shorter
 * one is padded with 00 on the left when numeric and on the right otherwise; a tag without a value
 * (unknown to the terminal, or absent) is all 00.
 */
export function buildDolData(dol: readonly DolEntry[], values: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const out = new Uint8Array(dolLength(dol));
  let offset = 0;
  for (const e of dol) {
    const v = values.get(e.tag);
    if (v !== undefined) {
      if (isNumericTag(e.tag)) {
        const part = v.length > e.length ? v.subarray(v.length - e.length) : v;
        out.set(part, offset + e.length - part.length);
      } else {
        out.set(v.subarray(0, e.length), offset);
      }
    }
    offset += e.length;
  }
  return out;
}

/** Splits DOL-related data (at least the DOL's total length; more is ignored) into values by tag. */
export function splitDolData(dol: readonly DolEntry[], data: Uint8Array, what = 'DOL data'): Map<number, Uint8Array> {
  const needed = dolLength(dol);
  if (data.length < needed) throw new DecodeError(what, data.length, `${data.length} bytes, the DOL needs ${needed}`);
  const values = new Map<number, Uint8Array>();
  let offset = 0;
  for (const e of dol) {
    values.set(e.tag, data.slice(offset, offset + e.length));
    offset += e.length;
  }
  return values;
}
