import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW, wrongPinStatus } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { fromPinBlock } from '../pin-object.js';
import { comparePin, requirePin } from './pin-check.js';

/**
 * VERIFY `00 20 00 <PIN ref> Lc <PIN BCD, F-padded>` (P5 §6.14 T46–T48).
 * Without data: 63Cx with the tries left whenever the card holds a PIN, also after a successful
 * VERIFY (terminals ask this to decide whether to prompt), 6983 when blocked.
 * A malformed PIN block (a non-digit nibble before the padding) is 6A80 and costs no try.
 */
export const verifyCommand: CommandRoute = { name: 'VERIFY', cla: [0x00], ins: 0x20, handler: verify };

function verify(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, apdu.p2);
  if (apdu.data.length === 0) {
    if (pin.blocked) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
    throw new CardStatus(wrongPinStatus(pin.triesLeft), 'PIN status');
  }
  const digits = fromPinBlock(apdu.data);
  if (digits === undefined) throw new CardStatus(SW.WRONG_DATA, 'malformed PIN block');
  comparePin(ctx, pin, digits, 'verify');
  ctx.security.setPinVerified(pin, true);
  return undefined;
}
