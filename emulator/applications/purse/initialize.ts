import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { initializeForLoad } from './initialize-for-load.js';
import { initializeForPurchase } from './initialize-for-purchase.js';
import { INIT, P2_EP } from './purse-constants.js';
import { clearPending } from './purse-state.js';

/**
 * INITIALIZE (INS 50): P1 00 load, 01 purchase, 03 compound purchase; P2 02 = electronic purse.
 * Any INITIALIZE first ends the transaction pending in the session.
 */
export const initializeCommand: CommandRoute = { name: 'INITIALIZE FOR LOAD/PURCHASE', cla: [0x80], ins: 0x50, handler: initialize };

function initialize(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== P2_EP) throw new CardStatus(SW.WRONG_P1P2);
  clearPending(ctx);
  switch (apdu.p1) {
    case INIT.load:
      return initializeForLoad(ctx, apdu);
    case INIT.purchase:
      return initializeForPurchase(ctx, apdu, false);
    case INIT.compoundPurchase:
      return initializeForPurchase(ctx, apdu, true);
    default:
      throw new CardStatus(SW.WRONG_P1P2);
  }
}
