import { CryptoError } from './crypto-error.js';

/** The diversification levels of social security card keys, outermost first (card-spec §4.3). */
export type DiversificationLevel = 'province' | 'city' | 'card';

export const DIVERSIFICATION_LEVELS: readonly DiversificationLevel[] = ['province', 'city', 'card'];

/** What the factors are made of: the region code and the ATR (or ATS) historical bytes. */
export interface CardDiversificationData {
  /** The 6 region digits: the first 3 bytes of the card identifier (EF05 tag 01; P9 §7.3.1). */
  regionCode: string;
  /** The 13 historical bytes T1…TD of the contact ATR or the contactless ATS (P2 T16). */
  historicalBytes: Uint8Array;
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/**
 * The 8-byte factor of one level (P9 §7.3; SC §10.3): province = 2 region digits ‖ "0000sh";
 * city = 6 region digits ‖ "sx", except Zhejiang (region 33…): 4 digits ‖ "00sx"; card = the
 * historical bytes T6…TD, which sit in the contact ATR and the contactless ATS alike.
 */
export function diversificationFactor(level: DiversificationLevel, card: CardDiversificationData): Uint8Array {
  if (!/^\d{6}$/.test(card.regionCode)) throw new CryptoError('regionCode', `expected 6 digits, got "${card.regionCode}"`);
  switch (level) {
    case 'province':
      return ascii(`${card.regionCode.slice(0, 2)}0000sh`);
    case 'city':
      return ascii(card.regionCode.startsWith('33') ? `${card.regionCode.slice(0, 4)}00sx` : `${card.regionCode}sx`);
    case 'card':
      if (card.historicalBytes.length < 13) {
        throw new CryptoError('historicalBytes', `the card factor is T6…TD of 13 historical bytes; got ${card.historicalBytes.length}`);
      }
      return card.historicalBytes.slice(5, 13);
  }
}

export function diversificationFactors(levels: readonly DiversificationLevel[], card: CardDiversificationData): Uint8Array[] {
  return levels.map((level) => diversificationFactor(level, card));
}
