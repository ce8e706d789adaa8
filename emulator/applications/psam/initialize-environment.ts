import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { terminalNumber } from './psam-files.js';

/**
 * INITIALIZE ENVIRONMENT `BF EC 00 00 01 <province>` (P9 §9, card-spec §9.3): the first byte of
 * the user card's identifier chooses the environment. This PSAM has one, its terminal number's
 * province; another province is 6A80. Makes the environment (the MF) current.
 */
export const initializeEnvironmentCommand: CommandRoute = {
  name: 'INITIALIZE ENVIRONMENT',
  cla: [0xbf],
  ins: 0xec,
  handler: initializeEnvironment,
};

function initializeEnvironment(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 1) throw new CardStatus(SW.WRONG_LENGTH, 'one byte: the province');
  if (apdu.data[0] !== terminalNumber(ctx)[0]) throw new CardStatus(SW.WRONG_DATA, 'no environment for that province');
  ctx.selectDf(ctx.mf);
  return undefined;
}
