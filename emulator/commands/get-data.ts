import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { encodeTlv } from '../../src/bytes/tlv.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * GET DATA `00|80 CA P1 P2 Le`: the tag P1P2 (P1=00: one-byte tag P2) from the `dataObjects` of
 * the current DF or above, answered as tag ‖ length ‖ value. Unknown → 6A88. Applications with
 * live values (ATC, balances) register their own GET DATA for their DF.
 */
export const getDataCommand: CommandRoute = { name: 'GET DATA', cla: [0x00, 0x80], ins: 0xca, handler: getData };

function getData(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const tag = apdu.p1 === 0 ? apdu.p2 : (apdu.p1 << 8) | apdu.p2;
  if (tag === 0) throw new CardStatus(SW.WRONG_P1P2);
  for (const df of ctx.currentDf.lineage()) {
    const value = df.dataObjects.get(tag);
    if (value !== undefined) return encodeTlv(tag, value);
  }
  throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no such data object');
}
