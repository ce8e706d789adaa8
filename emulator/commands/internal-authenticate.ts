import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { authenticationData } from '../../src/crypto/card-security.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { checkKeyVersion } from './external-authenticate.js';

/**
 * INTERNAL AUTHENTICATE `00 88 00 00 10|11 factor(8) ‖ original(8) [‖ key version]` (P5 §6.7
 * T22–T23, P7 §5.4): the card proves it holds IRK by answering the authentication data of P4 §9
 * under the session key of IRK over the terminal's factor. P2 00 is the IRK found from the current
 * DF upwards (MF/SSSE level: the card; DF level: the application).
 */
export const internalAuthenticateCommand: CommandRoute = {
  name: 'INTERNAL AUTHENTICATE',
  cla: [0x00],
  ins: 0x88,
  handler: internalAuthenticate,
};

function internalAuthenticate(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 16 && apdu.data.length !== 17) throw new CardStatus(SW.WRONG_LENGTH);
  const key = ctx.findKey('internal-auth', apdu.p2);
  if (key === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no internal authentication key');
  checkKeyVersion(key, apdu.data[16]);
  return authenticationData(key.algorithm, key.value, apdu.data.subarray(0, 8), apdu.data.subarray(8, 16));
}
