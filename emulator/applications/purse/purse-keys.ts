import type { EpurseAlgorithm } from '../../../src/crypto/epurse-mac.js';
import type { CardContext } from '../../card-context.js';
import type { CardKey } from '../../card-key.js';
import { CardStatus } from '../../card-status.js';
import { ALGORITHM_ID, PURSE_SW } from './purse-constants.js';

/** Key usages of the purse keys in the profile: DLK, DPK, DTK (per card, diversified with ASN8). */
export type PurseKeyUsage = 'load' | 'purchase' | 'tac';

/**
 * The purse key of this usage and index (the key id in the profile is the key index the terminal
 * sends); a missing key is 9403 "key index not supported". The TAC key goes with the same index,
 * else the first TAC key of the purse.
 */
export function purseKey(ctx: CardContext, usage: PurseKeyUsage, keyIndex: number): CardKey {
  const key = ctx.findKey(usage, keyIndex) ?? (usage === 'tac' ? ctx.findKey('tac') : undefined);
  if (key === undefined) throw new CardStatus(PURSE_SW.KEY_INDEX_NOT_SUPPORTED, `no ${usage} key with index ${keyIndex}`);
  return key;
}

export function epurseAlgorithm(key: CardKey): EpurseAlgorithm {
  return key.algorithm === 'sm4' ? 'sm4' : '3des';
}

export function algorithmId(key: CardKey): number {
  return ALGORITHM_ID[epurseAlgorithm(key)];
}
