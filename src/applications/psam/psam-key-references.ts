import { type CardDiversificationData, DIVERSIFICATION_LEVELS, diversificationFactors } from '../../crypto/card-key-factors.js';
import { psamKeyLevels } from '../../crypto/psam-key-record.js';

/**
 * Where a PSAM holds the social security card's keys (card-spec §4.2, §9.2): the usage byte
 * (b8–b6 diversification levels, b5–b1 type) and the PSAM key id of DELIVERY SESSION KEY, by the
 * key's specification name. The purchase key DPK is addressed by version instead (format 2).
 */
export interface PsamKeyReference {
  usage: number;
  id: number;
}

export const PSAM_KEY_REFERENCES: Readonly<Record<string, PsamKeyReference>> = {
  IRK: { usage: 0x67, id: 0x08 },
  STK: { usage: 0x26, id: 0x09 },
  RKSSSE: { usage: 0x67, id: 0x0a },
  // card-spec §4.2 gives PUK no PSAM reference (an HSM key, 0090); sscard's PSAM holds it at the
  // next id of the national DDF range so a PSAM terminal can unblock and reload PINs [choice].
  PUK: { usage: 0x67, id: 0x0b },
  STKDF04: { usage: 0x26, id: 0x23 },
  UK2DF04: { usage: 0x27, id: 0x2a },
  RK1DF04: { usage: 0x67, id: 0x2d },
};

/** DPK: usage 22 (one level: the card), key versions 01–03. */
export const PSAM_PURCHASE_KEY_USAGE = 0x22;

/**
 * The factors a PSAM takes for a key of this usage byte (card-spec §9.3): as many levels as the
 * byte gives, innermost first — the card's factor, then the city's, then the province's.
 */
export function psamFactors(usage: number, card: CardDiversificationData): Uint8Array[] {
  const levels = DIVERSIFICATION_LEVELS.slice(DIVERSIFICATION_LEVELS.length - psamKeyLevels(usage));
  return diversificationFactors(levels, card).reverse();
}
