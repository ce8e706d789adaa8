import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { decipher } from './decipher.js';
import { signDigest } from './sign-digest.js';

/** P1 as in ISO 7816-8 PSO: 9E = compute digital signature, 80 = decipher; P2 = key reference. */
const P1_SIGN = 0x9e;
const P1_DECIPHER = 0x80;

/** `80 2A P1 <key ref>`: SM2 SIGN (P1 9E, sign-digest.ts) and SM2 DECRYPT (P1 80, decipher.ts). */
export const performSecurityOperationCommand: CommandRoute = {
  name: 'PSO (SM2 sign / decrypt)',
  cla: [0x80],
  ins: 0x2a,
  handler: performSecurityOperation,
};

function performSecurityOperation(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 === P1_SIGN) return signDigest(ctx, apdu);
  if (apdu.p1 === P1_DECIPHER) return decipher(ctx, apdu);
  throw new CardStatus(SW.WRONG_P1P2, 'P1 9E (sign) or 80 (decrypt)');
}
