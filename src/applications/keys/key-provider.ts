/**
 * Where a terminal's keys live: a PSAM in the reader, an HSM, or (for tests and the emulator's
 * sample cards) software. Sessions never hold master keys; they ask the provider for the few
 * operations the card protocols need, naming the key and the card's diversification factors.
 */
export type KeyAlgorithm = '3des' | 'sm4';

export interface KeyReference {
  /** Which application's key set: "ssse", "pki", "pboc", "purse". */
  application: string;
  /** The key's name in that set: a key id ("0A", "84") or a role ("pin-unblock", "load"). */
  name: string;
}

export interface KeyProvider {
  /** The algorithm of a key, so the session can build 3DES or SM4 forms. Throws KeyNotFoundError. */
  algorithm(ref: KeyReference): Promise<KeyAlgorithm>;
  /**
   * ECB-encrypts whole blocks under the per-card key: the master key diversified by `factors`
   * (8 bytes each, outermost level first). External-authentication cryptograms and session-key
   * derivations are this operation.
   */
  encrypt(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array>;
  /**
   * The 4-byte command MAC of card-facts §5 under the per-card key: PBOC 3DES MAC for 3DES keys,
   * the SM4 secure-messaging MAC for SM4 keys; `iv` is the card's challenge.
   */
  commandMac(ref: KeyReference, factors: Uint8Array[], iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
}
