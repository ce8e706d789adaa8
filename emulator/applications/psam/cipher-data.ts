import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { cardMacOfBlocks, cbcChain, cipherBlockSize, encryptBlocks } from '../../../src/crypto/card-security.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { deliveredKey } from './psam-session-keys.js';

const NO_SESSION_KEY = 0x6901;
/** P1: 00 encrypt (last or only), 02 encrypt (more follow), 05 MAC of one part, 07 first, 03 middle, 01 last. */
const P1 = { encryptLast: 0x00, encryptMore: 0x02, macOnly: 0x05, macFirst: 0x07, macMiddle: 0x03, macLast: 0x01 } as const;
/** At most 8 blocks per command (Lc 40 for DES, 80 for SSF33/SM4). */
const MAX_BLOCKS = 8;

/**
 * CIPHER DATA `80 FA P1 00 Lc data Le` (P9 §9, card-spec §9.3) under the key DELIVERY SESSION KEY
 * made: ECB encryption of whole blocks, or a CBC-MAC over whole blocks (the terminal pads), the
 * first block being the IV with P1 05/07; a long MAC goes 07, 03…, 01. The MAC answered is the
 * user card's 4 bytes (card-spec §5.3: 8-byte blocks the first 4 bytes of the last block, 16-byte
 * blocks the XOR of its words). No session key: 6901.
 */
export const cipherDataCommand: CommandRoute = { name: 'CIPHER DATA', cla: [0x80], ins: 0xfa, handler: cipherData };

function cipherData(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== 0 || !(Object.values(P1) as number[]).includes(apdu.p1)) throw new CardStatus(SW.WRONG_P1P2);
  const session = deliveredKey(ctx);
  if (session === undefined) throw new CardStatus(NO_SESSION_KEY, 'DELIVERY SESSION KEY first');
  const block = cipherBlockSize(session.cipher);
  const data = apdu.data;
  const withIv = apdu.p1 === P1.macOnly || apdu.p1 === P1.macFirst;
  const minimum = withIv ? 2 * block : block;
  if (data.length < minimum || data.length % block !== 0 || data.length > MAX_BLOCKS * block) {
    throw new CardStatus(SW.WRONG_LENGTH, `whole ${block}-byte blocks, ${minimum / block}–${MAX_BLOCKS}`);
  }
  if (apdu.p1 === P1.encryptLast || apdu.p1 === P1.encryptMore) {
    session.macChain = undefined;
    return encryptBlocks(session.cipher, session.key, data);
  }
  if (apdu.p1 === P1.macOnly) {
    session.macChain = undefined;
    return cardMacOfBlocks(session.cipher, session.key, data.subarray(0, block), data.subarray(block));
  }
  if (apdu.p1 === P1.macFirst) {
    session.macChain = cbcChain(session.cipher, session.key, data.subarray(0, block), data.subarray(block));
    return undefined;
  }
  const chain = session.macChain;
  if (chain === undefined) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'no MAC in progress: start with P1 07');
  if (apdu.p1 === P1.macMiddle) {
    session.macChain = cbcChain(session.cipher, session.key, chain, data);
    return undefined;
  }
  session.macChain = undefined;
  return cardMacOfBlocks(session.cipher, session.key, chain, data);
}
