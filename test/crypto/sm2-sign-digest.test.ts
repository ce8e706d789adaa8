import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/bytes/bytes.js';
import { CryptoError, sm2ComputeZ, sm2GenerateKeyPair, sm2SignDigest, sm2Verify, sm3 } from '../../src/crypto/index.js';

describe('sm2SignDigest (the card signs e = SM3(Z ‖ M) computed by the terminal)', () => {
  it('gives signatures sm2Verify accepts for the message with that user id, and no other', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const message = new TextEncoder().encode('sscard identity check');
    for (const userId of [undefined, 'ALICE123@YAHOO.COM']) {
      const e = sm3(concatBytes(sm2ComputeZ(publicKey, userId), message));
      const sig = sm2SignDigest(privateKey, e, { format: 'raw' });
      expect(sig.length).toBe(64);
      expect(sm2Verify(publicKey, message, sig, { format: 'raw', ...(userId ? { userId } : {}) })).toBe(true);
      expect(sm2Verify(publicKey, message, sig, { format: 'raw', userId: 'someone else' })).toBe(false);
    }
  });
  it('refuses a digest that is not 32 bytes', () => {
    const { privateKey } = sm2GenerateKeyPair();
    expect(() => sm2SignDigest(privateKey, new Uint8Array(31))).toThrow(CryptoError);
  });
});
