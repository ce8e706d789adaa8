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

function checkRegion(regionCode: string): void {
  if (!/^\d{6}$/.test(regionCode)) throw new CryptoError('regionCode', `expected 6 digits, got "${regionCode}"`);
}

/** Province factor (P9 §7.3): the first 2 region digits ‖ "0000sh". */
export function provinceFactor(regionCode: string): Uint8Array {
  checkRegion(regionCode);
  return ascii(`${regionCode.slice(0, 2)}0000sh`);
}

/** City factor (P9 §7.3; SC §10.3): 6 region digits ‖ "sx"; Zhejiang (33…): 4 digits ‖ "00sx". */
export function cityFactor(regionCode: string): Uint8Array {
  checkRegion(regionCode);
  return ascii(regionCode.startsWith('33') ? `${regionCode.slice(0, 4)}00sx` : `${regionCode}sx`);
}

/** Card factor (P9 §7.3.3): historical bytes T6…TD, in the contact ATR and the contactless ATS alike. */
export function cardFactor(historicalBytes: Uint8Array): Uint8Array {
  if (historicalBytes.length < 13) {
    throw new CryptoError('historicalBytes', `the card factor is T6…TD of 13 historical bytes; got ${historicalBytes.length}`);
  }
  return historicalBytes.slice(5, 13);
}

/** The 8-byte factor of one level. */
export function diversificationFactor(level: DiversificationLevel, card: CardDiversificationData): Uint8Array {
  switch (level) {
    case 'province':
      return provinceFactor(card.regionCode);
    case 'city':
      return cityFactor(card.regionCode);
    case 'card':
      return cardFactor(card.historicalBytes);
  }
}

export function diversificationFactors(levels: readonly DiversificationLevel[], card: CardDiversificationData): Uint8Array[] {
  return levels.map((level) => diversificationFactor(level, card));
}
