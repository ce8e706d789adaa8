import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { concatBytes } from '../../../src/bytes/bytes.js';
import { encodeTlv } from '../../../src/bytes/tlv.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { dataObject, fciElement } from './card-data.js';
import { commandDolData } from './command-dol-data.js';
import { ATC_MAX, pbocState, startTransaction } from './pboc-state.js';
import { qpbocPurchase } from './qpboc-purchase.js';

/** TTQ (9F66) byte 1 bit 6: the reader does qPBOC (qVSDC). */
const TTQ_QPBOC = 0x20;

/**
 * GET PROCESSING OPTIONS `80 A8 00 00 Lc 83 L <PDOL data> 00` (card-facts §7). The PDOL data must
 * have exactly the length of the FCI's PDOL (6700). ATC 65535 reached: the application is locked
 * (6985). Contact (or a contactless reader without qPBOC in its TTQ): ATC + 1, answer
 * 77 { 82 AIP, 94 AFL }. Contactless with qPBOC: the electronic-cash purchase (qpboc-purchase.ts).
 */
export const getProcessingOptionsCommand: CommandRoute = { name: 'GET PROCESSING OPTIONS', cla: [0x80], ins: 0xa8, handler: gpo };

function gpo(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const data = apdu.data;
  if (data.length < 2 || data[0] !== 0x83) throw new CardStatus(SW.WRONG_DATA, 'GPO data must be an 83 template');
  if (data[1] !== data.length - 2) throw new CardStatus(SW.WRONG_LENGTH, '83 template length');
  const adf = ctx.currentDf;
  const pdolData = data.subarray(2);
  const values = commandDolData(fciElement(adf, 0x9f38), pdolData, 'PDOL');
  const state = pbocState(ctx, adf);
  if (state.atc >= ATC_MAX) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'ATC exhausted: the application is locked');
  const ttq = values.get(0x9f66);
  if (ctx.cardInterface === 'contactless' && ttq !== undefined && (ttq[0]! & TTQ_QPBOC) !== 0) {
    return qpbocPurchase(ctx, adf, state, pdolData, values);
  }
  state.atc += 1;
  ctx.markDirty();
  startTransaction(ctx, adf);
  return encodeTlv(0x77, concatBytes(encodeTlv(0x82, dataObject(adf, 0x82)), encodeTlv(0x94, dataObject(adf, 0x94))));
}
