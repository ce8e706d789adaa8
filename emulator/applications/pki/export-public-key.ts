import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { loadPrivateKey } from './pki-keys.js';
import { keySlot } from './pki-layout.js';

/**
 * EXPORT PUBLIC KEY `80 E6 00 <key ref> 00`: the public key of key 01 or 02 as 04 ‖ x ‖ y
 * (65 bytes). Free: a public key is public. 6A88 while the slot has no key pair.
 */
export const exportPublicKeyCommand: CommandRoute = { name: 'EXPORT PUBLIC KEY (SM2)', cla: [0x80], ins: 0xe6, handler: exportPublicKey };

function exportPublicKey(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH, 'no command data');
  return loadPrivateKey(ctx, keySlot(apdu.p2)).publicKey.toBytes();
}
