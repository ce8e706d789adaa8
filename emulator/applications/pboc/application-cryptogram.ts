import { concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import { diversifyCardKey } from '../../../src/crypto/card-security.js';
import { retailMac, sm4CbcMac } from '../../../src/crypto/mac.js';
import type { CardKey } from '../../card-key.js';

/** Cryptogram information data (9F27): which cryptogram the card produced. */
export const CID = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
export type CryptogramType = keyof typeof CID;

/** Card verification results (inside the IAD), byte 2: why the card declined (this card's own bits). */
export const DECLINE = {
  ZERO_AMOUNT: 0x80,
  OVER_SINGLE_LIMIT: 0x40,
  INSUFFICIENT_BALANCE: 0x20,
  WRONG_CURRENCY: 0x10,
} as const;
/** CVR byte 2 bit: the electronic cash balance was debited offline. */
export const EC_DEBITED = 0x08;
/** CVR byte 1 bit: offline PIN verified in this session. */
export const OFFLINE_PIN_VERIFIED = 0x04;

/**
 * Issuer application data (9F10), 8 bytes: 07 ‖ DKI 01 ‖ CVN 01 ‖ CVR (03 b1 b2 b3) ‖ algorithm
 * (00 3DES, 01 SM4). CVR b1: bits 6-5 the cryptogram type (00 AAC, 01 TC, 10 ARQC) and 04 offline
 * PIN verified; b2: the decline reasons and the EC-debited bit above; b3 low nibble: PIN tries left.
 */
export function issuerApplicationData(
  key: CardKey,
  type: CryptogramType,
  flags: { pinVerified: boolean; reasons: number; pinTriesLeft: number },
): Uint8Array {
  const typeBits = { AAC: 0, TC: 1, ARQC: 2 }[type] << 4;
  const b1 = typeBits | (flags.pinVerified ? OFFLINE_PIN_VERIFIED : 0);
  return Uint8Array.of(0x07, 0x01, 0x01, 0x03, b1, flags.reasons, flags.pinTriesLeft & 0x0f, key.algorithm === 'sm4' ? 0x01 : 0x00);
}

/**
 * The application cryptogram (README.md, "GENERATE AC"):
 * session key = one more diversification of the card's AC key with R = ATC ‖ 00×6
 * (3DES: E(K, R) ‖ E(K, ~R); SM4: E(K, R ‖ ~R)); AC = MAC over
 * transaction data ‖ AIP ‖ ATC ‖ IAD — 3DES: ISO 9797-1 algorithm 3 (retail MAC), padding method 2,
 * zero IV, 8 bytes; SM4: padding method 2, SM4-CBC with a zero IV, the first 8 bytes of the last block.
 */
export function applicationCryptogram(
  key: CardKey,
  atc: number,
  transactionData: Uint8Array,
  aip: Uint8Array,
  iad: Uint8Array,
): Uint8Array {
  const sessionKey = diversifyCardKey(key.algorithm, key.value, sessionKeyFactor(atc));
  try {
    const input = concatBytes(transactionData, aip, uintToBytes(atc, 2), iad);
    if (key.algorithm === 'sm4') return sm4CbcMac(sessionKey, new Uint8Array(16), input).slice(0, 8);
    return retailMac(sessionKey, input);
  } finally {
    sessionKey.fill(0);
  }
}

/** R = ATC ‖ 00 00 00 00 00 00. */
export function sessionKeyFactor(atc: number): Uint8Array {
  const r = new Uint8Array(8);
  r.set(uintToBytes(atc, 2));
  return r;
}
