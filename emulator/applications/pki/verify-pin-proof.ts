import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { constantTimeEqual } from '../../../src/bytes/bytes.js';
import { pinProof } from '../../../src/crypto/key-derivation.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW, wrongPinStatus } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { requirePin } from '../../commands/pin-check.js';
import type { PinObject } from '../../pin-object.js';

const PROOF_LENGTH = 16;

/**
 * VERIFY with a PIN proof (card-facts §6): `00 84 00 00 10` (16-byte challenge), then
 * `00 20 01 <81 user | 82 admin> 10 SM4-ECB(K, challenge)`, K = first 16 bytes of SM3(PIN BCD).
 * The PIN itself never crosses the interface. `00 20 0x <ref>` without data: 9000 if verified,
 * else 63Cx / 6983 (no try spent). A plain BCD PIN (P1 00 with data) is refused with 6A86.
 * No 16-byte challenge before: 6985 and no try spent. The counter is decremented and saved
 * before comparing, as for every PIN.
 */
export const verifyPinProofCommand: CommandRoute = { name: 'VERIFY (PKI PIN proof)', cla: [0x00], ins: 0x20, handler: verifyPinProof };

function verifyPinProof(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 && apdu.p1 !== 0x01) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, apdu.p2);
  if (apdu.data.length === 0) {
    if (pin.blocked) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
    if (ctx.security.pinVerified(pin)) return undefined;
    throw new CardStatus(wrongPinStatus(pin.triesLeft), 'PIN status');
  }
  if (apdu.p1 !== 0x01) throw new CardStatus(SW.WRONG_P1P2, 'this application takes the PIN only as a proof (P1 01)');
  if (apdu.data.length !== PROOF_LENGTH) throw new CardStatus(SW.WRONG_LENGTH, 'the PIN proof is 16 bytes');
  if (pin.blocked) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
  const challenge = ctx.takeChallenge(SW.CONDITIONS_NOT_SATISFIED);
  if (challenge.length !== PROOF_LENGTH) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'the PIN proof needs a 16-byte challenge');
  checkProof(ctx, pin, challenge, apdu.data);
  ctx.security.setPinVerified(pin, true);
  return undefined;
}

/** Decrement-before-compare, as comparePin does for plain PINs (crash points `pki-verify:*`). */
function checkProof(ctx: CardContext, pin: PinObject, challenge: Uint8Array, proof: Uint8Array): void {
  pin.triesLeft -= 1;
  ctx.markDirty();
  ctx.commit('pki-verify:decremented');
  const expected = pinProof(pin.exportValue(), challenge);
  const ok = constantTimeEqual(expected, proof);
  expected.fill(0);
  if (!ok) {
    ctx.security.setPinVerified(pin, false);
    throw new CardStatus(wrongPinStatus(pin.triesLeft), 'wrong PIN proof');
  }
  pin.triesLeft = pin.retryLimit;
  ctx.markDirty();
  ctx.commit('pki-verify:restored');
}
