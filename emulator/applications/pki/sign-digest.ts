import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { sm2SignDigest } from '../../../src/crypto/sm2-sign.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { loadPrivateKey, requirePinVerified } from './pki-keys.js';
import { keySlot, USER_PIN_REF } from './pki-layout.js';

const DIGEST_LENGTH = 32;

/**
 * SM2 SIGN (internal sign) `80 2A 9E <key ref 01> 20 <e> 00`: e = SM3(Z ‖ M) computed by the
 * terminal with the user id it chose; answers r ‖ s (64 bytes). Needs the user PIN (81).
 * Only the signature key signs (key 02: 6985).
 */
export function signDigest(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const slot = keySlot(apdu.p2);
  if (apdu.data.length !== DIGEST_LENGTH) throw new CardStatus(SW.WRONG_LENGTH, 'SIGN takes the 32-byte SM3 digest e');
  if (slot.role !== 'signature') throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'not a signature key');
  requirePinVerified(ctx, USER_PIN_REF);
  return sm2SignDigest(loadPrivateKey(ctx, slot), apdu.data, { format: 'raw' });
}
