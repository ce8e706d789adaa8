import { encodeBcdNumber } from '../../bytes/bcd.js';
import { concatBytes, constantTimeEqual, uintToBytes, wipe } from '../../bytes/bytes.js';
import { retailMac, sm4CbcMac } from '../../crypto/mac.js';
import type { ApplicationKeyProvider, KeyReference } from '../keys/application-key-provider.js';
import type { ApplicationCryptogram } from './pboc-records.js';

/** The AC master key in a key file: `{ "pboc": { "ac": { … } } }`. */
export const AC_KEY: KeyReference = { application: 'pboc', name: 'ac' };

/**
 * Card key diversification factor (EMV option A): the rightmost 16 digits of PAN ‖ PSN
 * (two digits), as 8 BCD bytes.
 */
export function panDiversificationFactor(pan: string, panSequenceNumber: number): Uint8Array {
  const digits = `${pan}${String(panSequenceNumber).padStart(2, '0')}`.padStart(16, '0').slice(-16);
  return encodeBcdNumber(digits, 8, 'PAN factor');
}

/**
 * Recomputes an application cryptogram as the issuer does and compares it (constant time):
 * session key SK = div(div(MK_AC, PAN‖PSN), ATC ‖ 00×6), AC = MAC(SK, transaction data ‖ AIP ‖ ATC ‖
 * IAD) — 3DES retail MAC or SM4 CBC-MAC, 8 bytes (emulator/applications/pboc/README.md). The
 * ApplicationKeyProvider derives SK (one ECB encryption under the card key); the master key never leaves it.
 */
export async function verifyApplicationCryptogram(
  keys: ApplicationKeyProvider,
  ac: ApplicationCryptogram,
  ref: KeyReference = AC_KEY,
): Promise<boolean> {
  const expected = await computeApplicationCryptogram(keys, ac, ref);
  return ac.cryptogram.length === 8 && constantTimeEqual(expected, ac.cryptogram);
}

/** The cryptogram the card should have produced for these data (for issuer tests). */
export async function computeApplicationCryptogram(
  keys: ApplicationKeyProvider,
  ac: Omit<ApplicationCryptogram, 'cryptogram' | 'type' | 'cid'>,
  ref: KeyReference = AC_KEY,
): Promise<Uint8Array> {
  const algorithm = await keys.algorithm(ref);
  const r = new Uint8Array(8);
  r.set(uintToBytes(ac.atc, 2));
  const sessionKey = await keys.encrypt(
    ref,
    [panDiversificationFactor(ac.pan, ac.panSequenceNumber)],
    concatBytes(
      r,
      r.map((b) => b ^ 0xff),
    ),
  );
  try {
    const input = concatBytes(ac.transactionData, ac.aip, uintToBytes(ac.atc, 2), ac.iad);
    return algorithm === 'sm4' ? sm4CbcMac(sessionKey, new Uint8Array(16), input).slice(0, 8) : retailMac(sessionKey, input);
  } finally {
    wipe(sessionKey);
  }
}
