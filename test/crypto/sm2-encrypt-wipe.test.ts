// Encryption and decryption leave no nonce, shared point or key stream behind in the JS heap:
// the buffers the computation made are captured here and must be all zero once the call returns.
import { describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({
  nonces: [] as Uint8Array[],
  shared: [] as Uint8Array[],
  kdfInputs: [] as Uint8Array[],
  keyStreams: [] as Uint8Array[],
}));

vi.mock('../../src/crypto/sm2-keys.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/crypto/sm2-keys.js')>();
  return {
    ...original,
    randomScalarWithPoint: () => {
      const result = original.randomScalarWithPoint();
      seen.nonces.push(result.kBytes);
      return result;
    },
  };
});
vi.mock('../../src/crypto/sm2-point-engine.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/crypto/sm2-point-engine.js')>();
  return {
    ...original,
    sm2MultiplyPoint: (...args: Parameters<typeof original.sm2MultiplyPoint>) => {
      const result = original.sm2MultiplyPoint(...args);
      seen.shared.push(result);
      return result;
    },
  };
});
vi.mock('../../src/crypto/sm2-kdf.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/crypto/sm2-kdf.js')>();
  return {
    sm2Kdf: (z: Uint8Array, length: number) => {
      const result = original.sm2Kdf(z, length);
      seen.kdfInputs.push(z);
      seen.keyStreams.push(result);
      return result;
    },
  };
});

const { sm2Decrypt, sm2Encrypt, sm2GenerateKeyPair } = await import('../../src/crypto/index.js');

const allZero = (buffers: Uint8Array[]) => buffers.every((b) => b.every((x) => x === 0));
function clear(): void {
  for (const list of Object.values(seen)) list.length = 0;
}

describe('SM2 encryption wipes its secrets', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair();
  const message = new TextEncoder().encode('a secret worth 48 bytes of key stream, at least!');

  it('sm2Encrypt: the nonce k, the shared point k·P, the KDF input and the key stream', () => {
    clear();
    const ciphertext = sm2Encrypt(publicKey, message);
    expect(seen.nonces.length).toBeGreaterThan(0);
    expect(seen.shared.length).toBeGreaterThan(0);
    expect(seen.keyStreams.map((t) => t.length)).toContain(message.length);
    expect(allZero(seen.nonces)).toBe(true);
    expect(allZero(seen.shared)).toBe(true);
    expect(allZero(seen.kdfInputs)).toBe(true);
    expect(allZero(seen.keyStreams)).toBe(true);
    // and it still decrypts
    expect(new TextDecoder().decode(sm2Decrypt(privateKey, ciphertext))).toBe(new TextDecoder().decode(message));
  });

  it('sm2Decrypt: the shared point d·C1, the KDF input and the key stream, also when C3 does not match', () => {
    const ciphertext = sm2Encrypt(publicKey, message);
    clear();
    sm2Decrypt(privateKey, ciphertext);
    expect(seen.shared).toHaveLength(1);
    expect(allZero(seen.shared) && allZero(seen.kdfInputs) && allZero(seen.keyStreams)).toBe(true);
    clear();
    const corrupted = ciphertext.slice();
    corrupted[corrupted.length - 1]! ^= 1;
    expect(() => sm2Decrypt(privateKey, corrupted)).toThrow(/C3 check failed/);
    expect(seen.shared).toHaveLength(1);
    expect(allZero(seen.shared) && allZero(seen.kdfInputs) && allZero(seen.keyStreams)).toBe(true);
  });
});
