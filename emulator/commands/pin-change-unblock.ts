import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { cipherBlockSize } from '../../src/crypto/card-security.js';
import { type CardContext, MAC_LENGTH } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { fromPinBlock } from '../pin-object.js';
import { restoreTries, spendTry } from './external-authenticate.js';
import { requirePin } from './pin-check.js';

const UNBLOCK = 0x00;
const CHANGE = 0x01;

/**
 * PIN CHANGE/UNBLOCK, the issuer's command `84 24 00 P2` (P5 §6.8 T24–T27, P7 §13.3; the form
 * of the real card log in card-spec §6.8):
 * - P2 00 unblock: `04 MAC` — the try counter goes back to its maximum, the PIN stays;
 * - P2 01 change (reload): `0C|14 encrypted(LD ‖ new PIN BCD ‖ pad) ‖ MAC` — new PIN and a full
 *   counter.
 * Preconditions: EXTERNAL AUTHENTICATE with the PIN unblock key (PUK) in this application, then a
 * fresh GET CHALLENGE; MAC and encryption use the session key of the secure-messaging key (STK)
 * over that challenge (P4 §8). A wrong MAC is 6988 and costs the PUK a try (its counter goes down
 * before the comparison), so repeated failures lock it.
 */
export const pinChangeUnblockCommand: CommandRoute = {
  name: 'PIN CHANGE/UNBLOCK',
  cla: [0x84],
  ins: 0x24,
  handler: pinChangeUnblock,
};

function pinChangeUnblock(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || (apdu.p2 !== UNBLOCK && apdu.p2 !== CHANGE)) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, 0x00);
  const stk = ctx.requireKey(['secure-messaging']);
  const fieldLength = apdu.data.length - MAC_LENGTH;
  const block = cipherBlockSize(stk.algorithm);
  if (apdu.p2 === UNBLOCK ? fieldLength !== 0 : fieldLength <= 0 || fieldLength % block !== 0) throw new CardStatus(SW.WRONG_LENGTH);
  const puk = ctx.findKeyByName('PUK') ?? fail(SW.REFERENCE_NOT_FOUND, 'no PIN unblock key');
  if (!ctx.security.keyAuthenticated(puk)) throw new CardStatus(SW.SECURITY_NOT_SATISFIED, 'authenticate with PUK first');
  if (puk.errorsLeft === 0) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
  const challenge = ctx.takeChallenge();
  spendTry(ctx, puk, 'pin-admin:decremented');
  const field = ctx.verifyMac(apdu, stk, challenge);
  restoreTries(ctx, puk);
  if (apdu.p2 === CHANGE) {
    const digits = fromPinBlock(ctx.decryptField(stk, challenge, field));
    if (digits === undefined || !pin.acceptsLength(digits)) throw new CardStatus(SW.WRONG_DATA, 'new PIN malformed or of a wrong length');
    pin.setValue(digits);
  }
  // The new value and the full counter land in one state write: a torn command leaves the old PIN or the new one.
  pin.triesLeft = pin.retryLimit;
  ctx.markDirty();
  return undefined;
}

function fail(sw: number, reason: string): never {
  throw new CardStatus(sw, reason);
}
