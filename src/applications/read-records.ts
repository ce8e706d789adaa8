import { ApduError } from '../apdu/apdu-error.js';
import type { CardChannel } from '../channel/card-channel.js';
import { readRecordByNumber } from './iso-commands.js';

/**
 * Every record of a record file, record 1 first, until the card answers 6A83 (no such record) or
 * `max` were read: a cyclic log (most recent first) or a whole variable-record file. `sfi` 0 reads
 * the current EF.
 */
export async function readAllRecords(channel: CardChannel, sfi: number, max: number, what: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= max; n++) {
    const r = await channel.transmitRaw(readRecordByNumber(n, sfi));
    if (r.sw === 0x6a83) break;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `reading ${what} record ${n}`);
    out.push(r.data);
  }
  return out;
}
