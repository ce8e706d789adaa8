import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { constantTimeEqual } from '../../src/bytes/bytes.js';
import type { CardContext } from '../card-context.js';
import { blockSize, encryptBlocks, toBlock } from '../card-crypto.js';
import { CardStatus, SW, wrongPinStatus } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * EXTERNAL AUTHENTICATE `00 82 00 <key id> Lc cryptogram` after GET CHALLENGE.
 * cryptogram = ECB encryption, under the `external-auth` key, of the challenge zero-extended to one
 * block: 3DES 8 bytes (Lc 08; Lc 10 is accepted too, as in card-facts §5, and its last 8 bytes
 * are ignored), SM4 16 bytes (Lc 10).
 * Success: the key counts as authenticated until another DF is selected or the card is reset.
 * Wrong: 6300, or 63Cx when the key has an error counter (decremented before comparing); an
 * exhausted counter is 6983.
 */
export const externalAuthenticateCommand: CommandRoute = {
  name: 'EXTERNAL AUTHENTICATE',
  cla: [0x00],
  ins: 0x82,
  handler: externalAuthenticate,
};

function externalAuthenticate(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const key = ctx.findKey('external-auth', apdu.p2) ?? fail(SW.REFERENCE_NOT_FOUND, 'no such key');
  if (key.errorsLeft === 0) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
  const n = blockSize(key.algorithm);
  const lengths = key.algorithm === 'sm4' ? [16] : [8, 16];
  if (!lengths.includes(apdu.data.length)) throw new CardStatus(SW.WRONG_LENGTH);
  const challenge = ctx.takeChallenge();
  if (key.errorsLeft !== undefined) {
    key.errorsLeft -= 1;
    ctx.markDirty();
    ctx.commit('external-auth:decremented');
  }
  const expected = encryptBlocks(key.algorithm, key.value, toBlock(challenge, n));
  if (!constantTimeEqual(apdu.data.subarray(0, n), expected)) {
    ctx.security.setKeyAuthenticated(key, false);
    throw new CardStatus(key.errorsLeft === undefined ? SW.AUTH_FAILED : wrongPinStatus(key.errorsLeft), 'wrong cryptogram');
  }
  if (key.errorLimit !== undefined) {
    key.errorsLeft = key.errorLimit;
    ctx.markDirty();
  }
  ctx.security.setKeyAuthenticated(key, true);
  return undefined;
}

function fail(sw: number, reason: string): never {
  throw new CardStatus(sw, reason);
}
