import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { Sm2PrivateKey } from '../../../src/crypto/sm2-keys.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { requirePinVerified, storePrivateKey } from './pki-keys.js';
import { ADMIN_PIN_REF, keySlot } from './pki-layout.js';

/**
 * GENERATE KEY PAIR `80 40 00 <key ref> 00`: a new SM2 key pair for key 01 (signature) or 02
 * (encryption) replaces the old one; answers the public key 04 ‖ x ‖ y (65 bytes). The private key
 * stays in the card's key file. Needs the admin PIN (82). The certificate EF is left as it was:
 * the issuer writes a new certificate for the new key (UPDATE BINARY, admin PIN).
 */
export const generateKeyPairCommand: CommandRoute = { name: 'GENERATE KEY PAIR (SM2)', cla: [0x80], ins: 0x40, handler: generateKeyPair };

function generateKeyPair(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH, 'no command data');
  const slot = keySlot(apdu.p2);
  requirePinVerified(ctx, ADMIN_PIN_REF);
  const key = Sm2PrivateKey.generate();
  const d = key.toBytes();
  storePrivateKey(ctx, slot, d);
  d.fill(0);
  return key.publicKey.toBytes();
}
