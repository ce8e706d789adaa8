import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { SFI, TRIP_RECORD_LENGTH } from './purse-constants.js';
import { currentPending, purseFile } from './purse-state.js';

/**
 * UPDATE CAPP DATA CACHE `80 DC P1 P2 Lc record` (compound purchase, metro entry/exit): the
 * record is only cached; the DEBIT FOR PURCHASE that ends the compound purchase writes it together
 * with the debit, and a torn or voided purchase writes nothing. Only between INITIALIZE FOR
 * COMPOUND PURCHASE and its DEBIT (else 6985).
 * - `P2 = SFI 17 << 3`, `P1 = tag`: replaces the record of the compound-application data file
 *   whose first byte is the tag (the record data starts with that tag) — the metro entry state.
 * - `P2 = SFI 1E << 3`, `P1 = 00`: adds a 48-byte trip record to the cyclic trip file.
 * The last update for the same record wins.
 */
export const updateCappDataCacheCommand: CommandRoute = {
  name: 'UPDATE CAPP DATA CACHE',
  cla: [0x80],
  ins: 0xdc,
  handler: updateCappDataCache,
};

function updateCappDataCache(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if ((apdu.p2 & 0x07) !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const sfi = apdu.p2 >> 3;
  const t = currentPending(ctx);
  if (t === undefined || t.kind !== 'compound-purchase') {
    throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'no compound purchase initialized');
  }
  const data = apdu.data.slice();
  if (sfi === SFI.trips) {
    if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
    if (data.length !== TRIP_RECORD_LENGTH) throw new CardStatus(SW.WRONG_LENGTH);
    t.cache = [...t.cache.filter((c) => c.sfi !== sfi), { sfi, tag: undefined, data }];
    return undefined;
  }
  if (sfi !== SFI.compoundData) throw new CardStatus(SW.FILE_NOT_FOUND, `no CAPP cache for SFI ${sfi}`);
  const ef = purseFile(ctx, sfi);
  const existing = ef.records.find((r) => r[0] === apdu.p1);
  if (existing === undefined) throw new CardStatus(SW.RECORD_NOT_FOUND);
  if (data[0] !== apdu.p1) throw new CardStatus(SW.WRONG_DATA, 'record must start with its tag');
  const fixed = ef.structure !== 'linear-variable';
  if (fixed ? data.length !== ef.recordSize : data.length > ef.recordSize || data.length < 1) throw new CardStatus(SW.WRONG_LENGTH);
  t.cache = [...t.cache.filter((c) => !(c.sfi === sfi && c.tag === apdu.p1)), { sfi, tag: apdu.p1, data }];
  return undefined;
}
