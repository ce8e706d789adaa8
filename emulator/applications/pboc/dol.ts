import { CardStatus, SW } from '../../card-status.js';

/** One entry of a data object list (PDOL, CDOL1, log format 9F4F): a tag and the length it takes. */
export interface DolEntry {
  tag: number;
  length: number;
}

/** Parses a DOL: tag (1..3 bytes, BER rules) followed by a one-byte length, repeated. */
export function parseDol(dol: Uint8Array): DolEntry[] {
  const out: DolEntry[] = [];
  let i = 0;
  while (i < dol.length) {
    let tag = dol[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      do {
        if (i >= dol.length) throw new CardStatus(SW.UNKNOWN_ERROR, 'truncated DOL in the profile');
        tag = tag * 256 + dol[i]!;
      } while ((dol[i++]! & 0x80) !== 0);
    }
    if (i >= dol.length) throw new CardStatus(SW.UNKNOWN_ERROR, 'truncated DOL in the profile');
    out.push({ tag, length: dol[i++]! });
  }
  return out;
}

export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((n, e) => n + e.length, 0);
}

/** Splits DOL-related data (exactly the DOL's total length, else 6700) into values by tag. */
export function splitDolData(dol: readonly DolEntry[], data: Uint8Array): Map<number, Uint8Array> {
  if (data.length !== dolLength(dol)) throw new CardStatus(SW.WRONG_LENGTH, `DOL data of ${data.length} bytes, expected ${dolLength(dol)}`);
  const values = new Map<number, Uint8Array>();
  let offset = 0;
  for (const e of dol) {
    values.set(e.tag, data.subarray(offset, offset + e.length));
    offset += e.length;
  }
  return values;
}

/** Builds a record in a DOL's layout from values by tag (missing values are zeros, longer ones cut). */
export function buildDolData(dol: readonly DolEntry[], values: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const out = new Uint8Array(dolLength(dol));
  let offset = 0;
  for (const e of dol) {
    const v = values.get(e.tag);
    if (v !== undefined) out.set(v.subarray(0, e.length), offset + Math.max(0, e.length - v.length));
    offset += e.length;
  }
  return out;
}
