import { DecodeError } from '../../errors.js';

/** One entry of a data object list (PDOL, CDOL1, log format 9F4F): a tag and its length. */
export interface DolEntry {
  tag: number;
  length: number;
}

/** Parses a DOL: BER tag (1..3 bytes) and a one-byte length, repeated. */
export function parseDol(dol: Uint8Array, what = 'DOL'): DolEntry[] {
  const out: DolEntry[] = [];
  let i = 0;
  while (i < dol.length) {
    const start = i;
    let tag = dol[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      do {
        if (i >= dol.length) throw new DecodeError(what, start, 'tag truncated');
        tag = tag * 256 + dol[i]!;
      } while ((dol[i++]! & 0x80) !== 0 && i - start < 4);
    }
    if (i >= dol.length) throw new DecodeError(what, start, 'length missing');
    out.push({ tag, length: dol[i++]! });
  }
  return out;
}

export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

/**
 * DOL-related data from values by tag (EMV Book 3 §5.4): a value longer than its entry is cut,
 * a shorter numeric one left-padded with zeros; tags the terminal does not know are zeros.
 */
export function buildDolData(dol: readonly DolEntry[], values: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const out = new Uint8Array(dolLength(dol));
  let offset = 0;
  for (const e of dol) {
    const v = values.get(e.tag);
    if (v !== undefined) {
      const part = v.length > e.length ? v.subarray(v.length - e.length) : v;
      out.set(part, offset + e.length - part.length);
    }
    offset += e.length;
  }
  return out;
}

/** The values of one record laid out by a DOL (e.g. a log record by 9F4F), by tag. */
export function splitDolData(dol: readonly DolEntry[], data: Uint8Array, what = 'DOL data'): Map<number, Uint8Array> {
  if (data.length < dolLength(dol))
    throw new DecodeError(what, data.length, `record of ${data.length} bytes, the format needs ${dolLength(dol)}`);
  const values = new Map<number, Uint8Array>();
  let offset = 0;
  for (const e of dol) {
    values.set(e.tag, data.slice(offset, offset + e.length));
    offset += e.length;
  }
  return values;
}
