import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { wipe } from '../../../src/bytes/bytes.js';
import { cipherBlockSize, deriveSessionKey, diversifyCardKeyLevels, sessionCipher } from '../../../src/crypto/card-security.js';
import { psamKeyLevels } from '../../../src/crypto/psam-key-record.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { factorsOutermostFirst, findKeyRecord } from './psam-files.js';
import { setDeliveredKey } from './psam-session-keys.js';

const MAX_LEVELS = 3;

/**
 * DELIVERY SESSION KEY `BF DE <usage> <key id> Lc factors ‖ session factor` (P9 §9, card-spec
 * §9.3): the key record (usage, id) diversified with N factors (N = the usage byte's levels,
 * innermost first), then the session key over the session factor (card-spec §5.1; M = 8 bytes
 * for DES keys, 16 for SM4 — a card's 8-byte random padded with 00). Lc = M + 8k with k ≠ N
 * is 6A80 (level mismatch); no other form of Lc is 6700. CIPHER DATA then works with that key.
 */
export const deliverySessionKeyCommand: CommandRoute = {
  name: 'DELIVERY SESSION KEY',
  cla: [0xbf],
  ins: 0xde,
  handler: deliverySessionKey,
};

function deliverySessionKey(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const record = findKeyRecord(ctx, (r) => r.usage === apdu.p1 && r.id === apdu.p2);
  const sessionFactorLength = cipherBlockSize(record.cipher);
  const factorBytes = apdu.data.length - sessionFactorLength;
  if (factorBytes < 0 || factorBytes % 8 !== 0 || factorBytes / 8 > MAX_LEVELS) {
    throw new CardStatus(SW.WRONG_LENGTH, `Lc = ${sessionFactorLength} + 8 × levels`);
  }
  const levels = psamKeyLevels(record.usage);
  if (factorBytes / 8 !== levels) throw new CardStatus(SW.WRONG_DATA, `the key needs ${levels} diversification factors`);
  const cardKey = diversifyCardKeyLevels(record.cipher, record.value, factorsOutermostFirst(apdu.data, levels));
  try {
    const key = deriveSessionKey(record.cipher, cardKey, apdu.data.slice(factorBytes));
    setDeliveredKey(ctx, { cipher: sessionCipher(record.cipher), key, macChain: undefined });
  } finally {
    wipe(cardKey);
  }
  return undefined;
}
