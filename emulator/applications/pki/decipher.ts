import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { CryptoError } from '../../../src/crypto/crypto-error.js';
import { sm2Decrypt } from '../../../src/crypto/sm2-encrypt.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { loadPrivateKey, requirePinVerified } from './pki-keys.js';
import { keySlot, USER_PIN_REF } from './pki-layout.js';

/** C1 (65) ‖ C3 (32) ‖ at least one byte of C2. */
const MIN_ENVELOPE = 98;

/**
 * SM2 DECRYPT `80 2A 80 <key ref 02> Lc <C1 ‖ C3 ‖ C2> 00`: answers the plaintext. Needs the
 * user PIN (81). Only the encryption key deciphers (key 01: 6985). A malformed envelope or one
 * whose C3 does not check is 6A80 and returns nothing.
 */
export function decipher(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const slot = keySlot(apdu.p2);
  if (apdu.data.length < MIN_ENVELOPE) throw new CardStatus(SW.WRONG_LENGTH, 'an SM2 envelope has at least 98 bytes');
  if (slot.role !== 'encryption') throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'not an encryption key');
  requirePinVerified(ctx, USER_PIN_REF);
  try {
    return sm2Decrypt(loadPrivateKey(ctx, slot), apdu.data, { order: 'C1C3C2' });
  } catch (error) {
    if (error instanceof CryptoError) throw new CardStatus(SW.WRONG_DATA, 'envelope does not decrypt');
    throw error;
  }
}
