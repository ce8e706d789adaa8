import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import {
  CryptoError,
  SM2_CURVE,
  Sm2PrivateKey,
  Sm2PublicKey,
  sm2CiphertextFromDer,
  sm2ConvertPublicKey,
  sm2ConvertSignature,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PublicKeyFromDer,
  sm2PublicKeyFromPem,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
} from '../../src/crypto/index.js';

function cryptoError(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CryptoError);
    expect((e as CryptoError).code).toBe('ECRYPTO');
    return e as CryptoError;
  }
  throw new Error('expected a CryptoError, nothing was thrown');
}

const hex64 = (v: bigint) => v.toString(16).padStart(64, '0');
const { privateKey, publicKey } = sm2GenerateKeyPair();

describe('SM2 signatures', () => {
  it('round-trips in DER and raw form, with default and custom ids, for key objects and bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 20 }), (msg, id) => {
        const userId = id.length > 0 ? id : undefined;
        const der = sm2Sign(privateKey, msg, { userId });
        const raw = sm2Sign(Sm2PrivateKey.fromBytes(privateKey), msg, { userId, format: 'raw' });
        expect(raw.length).toBe(64);
        expect(der[0]).toBe(0x30);
        expect(sm2Verify(publicKey, msg, der, { userId })).toBe(true);
        expect(sm2Verify(Sm2PublicKey.fromBytes(publicKey), msg, raw, { userId })).toBe(true);
        expect(toHex(sm2ConvertSignature(sm2ConvertSignature(der, 'raw'), 'der'))).toBe(toHex(der));
      }),
      { numRuns: 25 },
    );
  });

  it('verifies with the compressed form of the public key and with x‖y', () => {
    const msg = fromHex('0102');
    const sig = sm2Sign(privateKey, msg);
    expect(sm2Verify(sm2ConvertPublicKey(publicKey, { compressed: true }), msg, sig)).toBe(true);
    expect(sm2Verify(publicKey.subarray(1), msg, sig)).toBe(true);
    expect(sm2PublicKeyFromPrivate(privateKey, { compressed: true }).length).toBe(33);
  });

  it('returns false for a valid-looking signature that does not match', () => {
    const msg = fromHex('AABB');
    const sig = sm2Sign(privateKey, msg, { format: 'raw' });
    const flipped = sig.slice();
    flipped[40]! ^= 0x01;
    expect(sm2Verify(publicKey, msg, flipped)).toBe(false);
    expect(sm2Verify(sm2GenerateKeyPair().publicKey, msg, sig)).toBe(false);
  });

  it('a private-key array that is wiped and refilled is not served from a stale cache', () => {
    const bytes = sm2GenerateKeyPair().privateKey;
    const other = sm2GenerateKeyPair();
    const msg = fromHex('01');
    sm2Sign(bytes, msg);
    bytes.set(other.privateKey);
    expect(sm2Verify(other.publicKey, msg, sm2Sign(bytes, msg))).toBe(true);
  });

  it('rejects malformed signatures with a CryptoError naming the signature', () => {
    const msg = fromHex('01');
    const n = SM2_CURVE.n;
    const cases: [string, string][] = [
      ['0000000000', 'expected'],
      [`${hex64(0n)}${hex64(1n)}`, 'r out of range'],
      [`${hex64(1n)}${hex64(n)}`, 's out of range'],
      ['3006020101020101FF', 'trailing'],
      ['300602010102010', 'odd'],
      ['30070201010201', 'malformed DER'],
      ['3006020181020101', 'negative'],
      ['300702020001020101', 'non-minimal'],
      ['3080020101020101', 'indefinite'],
      ['3009020101020101020101', '3 elements'],
    ];
    for (const [hex, _why] of cases) {
      const sig = hex.length % 2 ? new Uint8Array([0x30, 0x06, 0x02]) : fromHex(hex);
      const e = cryptoError(() => sm2Verify(publicKey, msg, sig));
      expect(e.field).toBe('signature');
    }
  });
});

describe('SM2 keys', () => {
  it('rejects private keys that are out of range or the wrong length', () => {
    const n = SM2_CURVE.n;
    for (const d of [0n, n - 1n, n, n + 5n]) {
      expect(cryptoError(() => Sm2PrivateKey.fromBytes(fromHex(hex64(d)))).message).toMatch(/out of range/);
    }
    expect(cryptoError(() => sm2Sign(new Uint8Array(31), fromHex('00'))).message).toMatch(/32 bytes/);
    expect(() => Sm2PrivateKey.fromBytes(fromHex(hex64(n - 2n)))).not.toThrow();
  });

  it('rejects points not on the curve, out-of-range coordinates, bad prefixes and lengths', () => {
    const good = publicKey.slice();
    const offCurve = good.slice();
    offCurve[64]! ^= 1;
    expect(cryptoError(() => Sm2PublicKey.fromBytes(offCurve)).message).toMatch(/not on the SM2 curve/);
    const bigX = fromHex(`04${hex64(SM2_CURVE.p)}${hex64(1n)}`);
    expect(cryptoError(() => Sm2PublicKey.fromBytes(bigX)).message).toMatch(/out of range/);
    const badPrefix = good.slice();
    badPrefix[0] = 0x05;
    expect(cryptoError(() => Sm2PublicKey.fromBytes(badPrefix)).message).toMatch(/start with 04/);
    expect(cryptoError(() => Sm2PublicKey.fromBytes(new Uint8Array(40))).message).toMatch(/65-byte/);
    expect(cryptoError(() => Sm2PublicKey.fromBytes(new Uint8Array([0]))).message).toMatch(/infinity/);
    // An x with no y on the curve, in compressed form.
    let x = 1n;
    for (; ; x++) {
      try {
        Sm2PublicKey.fromBytes(fromHex(`02${hex64(x)}`));
      } catch {
        break;
      }
    }
    expect(cryptoError(() => Sm2PublicKey.fromBytes(fromHex(`02${hex64(x)}`))).field).toBe('publicKey');
    expect(cryptoError(() => sm2Verify(offCurve, fromHex('01'), new Uint8Array(64).fill(1))).field).toBe('publicKey');
  });

  it('PEM round trip; errors for other curves, garbage and mismatched embedded public keys', () => {
    const pem = sm2PrivateKeyToPem(privateKey);
    expect(toHex(sm2PrivateKeyFromPem(pem))).toBe(toHex(privateKey));
    expect(cryptoError(() => sm2PrivateKeyFromPem('nothing here')).message).toMatch(/no PRIVATE KEY/);
    expect(
      cryptoError(() => sm2PrivateKeyFromPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----')).message,
    ).toMatch(/encrypted/);
    // P-256 SubjectPublicKeyInfo header with our point: rejected as not SM2.
    const p256Spki = fromHex(`3059301306072A8648CE3D020106082A8648CE3D030107034200${toHex(publicKey)}`);
    expect(cryptoError(() => sm2PublicKeyFromDer(p256Spki)).message).toMatch(/not an SM2 key/);
    // Swap the embedded public key for another key's.
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const other = sm2GenerateKeyPair().publicKey;
    der.set(other, der.length - 65);
    const forged = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect(cryptoError(() => sm2PrivateKeyFromPem(forged)).message).toMatch(/does not belong/);
    expect(cryptoError(() => sm2PublicKeyFromPem('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----')).message).toMatch(/base64/);
  });
});

describe('SM2 encryption', () => {
  it('round-trips in both orders for random plaintexts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (m) => {
        expect(toHex(sm2Decrypt(privateKey, sm2Encrypt(publicKey, m)))).toBe(toHex(m));
        expect(toHex(sm2Decrypt(privateKey, sm2Encrypt(publicKey, m, { order: 'C1C2C3' }), { order: 'C1C2C3' }))).toBe(toHex(m));
      }),
      { numRuns: 15 },
    );
  });

  it('refuses tampered, truncated, wrong-order or wrong-key ciphertexts instead of returning garbage', () => {
    const m = fromHex('00112233445566778899');
    const ct = sm2Encrypt(publicKey, m);
    const tampered = ct.slice();
    tampered[ct.length - 1]! ^= 1;
    expect(cryptoError(() => sm2Decrypt(privateKey, tampered)).message).toMatch(/C3 check failed/);
    expect(cryptoError(() => sm2Decrypt(privateKey, ct, { order: 'C1C2C3' })).message).toMatch(/C3 check failed/);
    expect(cryptoError(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, ct)).message).toMatch(/C3 check failed/);
    expect(cryptoError(() => sm2Decrypt(privateKey, ct.subarray(0, 97))).message).toMatch(/too short/);
    const badC1 = ct.slice();
    badC1[10]! ^= 1;
    expect(cryptoError(() => sm2Decrypt(privateKey, badC1)).message).toMatch(/not on the SM2 curve/);
    expect(cryptoError(() => sm2Encrypt(publicKey, new Uint8Array(0))).field).toBe('plaintext');
    expect(cryptoError(() => sm2CiphertextFromDer(fromHex('3003020101'))).field).toBe('ciphertext');
  });
});
