import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

const LENGTHS = [4, 8, 16];

/**
 * GET CHALLENGE `00 84 00 00 Le`, Le 04, 08 or 10 (card-facts §5). The challenge stays usable
 * for one EXTERNAL AUTHENTICATE or MAC-protected command, until the next GET CHALLENGE or reset.
 */
export const getChallengeCommand: CommandRoute = {
  name: 'GET CHALLENGE',
  cla: [0x00],
  ins: 0x84,
  handler: getChallenge,
};

function getChallenge(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 0 || apdu.le === undefined || !LENGTHS.includes(apdu.le))
    throw new CardStatus(SW.WRONG_LENGTH, 'challenge of 4, 8 or 16 bytes');
  const challenge = ctx.random(apdu.le);
  ctx.issueChallenge(challenge);
  return challenge.slice();
}
