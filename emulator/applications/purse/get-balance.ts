import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { uintToBytes } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { P2_EP } from './purse-constants.js';
import { purseCounters } from './purse-state.js';

/** GET BALANCE `80 5C 00 02 04` → balance, 4 bytes big-endian, fen. Needs no PIN (card-facts §1). */
export const getBalanceCommand: CommandRoute = { name: 'GET BALANCE', cla: [0x80], ins: 0x5c, handler: getBalance };

function getBalance(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 || apdu.p2 !== P2_EP) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH);
  return uintToBytes(purseCounters(ctx).balance, 4);
}
