import type { CardKeyFamily } from './key-file.js';

/**
 * Keys of the financial and transport applications (PBOC application cryptograms, e-purse session
 * keys): sessions ask for an ECB encryption under the card key that the provider derives from
 * its master with the card's factors (EMV option A and the purse's ASN). Named by role within an
 * application's section of the key file.
 */
export interface KeyReference {
  /** Which application's key set: "pboc", "purse". */
  application: string;
  /** The key's role in that set: "ac", "load", "purchase", "tac"… */
  name: string;
}

export interface ApplicationKeyProvider {
  /** The algorithm of a key, so the session can build 3DES or SM4 forms. Throws KeyNotFoundError. */
  algorithm(ref: KeyReference): Promise<CardKeyFamily>;
  /** ECB-encrypts whole blocks under the master key diversified by `factors` (8 bytes each, outermost first). */
  encrypt(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array>;
}
