import { encodeAn } from '../../bytes/gbk.js';

/**
 * The diversification path of social security card keys (card-facts §5): province
 * "<2 digits>0000sh", city "<6 digits>sx", then the card: the last 8 bytes of its ATR.
 */
export function ssseKeyFactors(regionCode: string, atr: Uint8Array): Uint8Array[] {
  return [encodeAn(`${regionCode.slice(0, 2)}0000sh`, 8), encodeAn(`${regionCode}sx`, 8), atr.slice(atr.length - 8)];
}
