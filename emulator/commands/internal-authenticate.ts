import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { blockSize, encryptBlocks } from '../card-crypto.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * INTERNAL AUTHENTICATE `00 88 00 <key id> Lc data Le` → ECB encryption of the data under the
 * `internal-auth` key (data: whole blocks, 8 bytes for 3DES, 16 for SM4). P2=00 with no key 00
 * uses the first internal-auth key of the current DF (card-facts §5 sends `00 88 00 00 10`).
 */
export const internalAuthenticateCommand: CommandRoute = {
  name: 'INTERNAL AUTHENTICATE',
  cla: [0x00],
  ins: 0x88,
  handler: internalAuthenticate,
};

function internalAuthenticate(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const key = ctx.findKey('internal-auth', apdu.p2) ?? (apdu.p2 === 0 ? ctx.findKey('internal-auth') : undefined);
  if (key === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no such key');
  const n = blockSize(key.algorithm);
  if (apdu.data.length === 0 || apdu.data.length % n !== 0) throw new CardStatus(SW.WRONG_LENGTH);
  return encryptBlocks(key.algorithm, key.value, apdu.data);
}
