import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/bytes/bytes.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import {
  CryptoError,
  SM2_CURVE,
  Sm2PrivateKey,
  Sm2PublicKey,
  sm2CiphertextFromDer,
  sm2ComputeZ,
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
  sm3,
} from '../../src/crypto/index.js';
import { sm2MultiplyBase } from '../../src/crypto/sm2-point-engine.js';
import { sm2SignWithFixedNonceForTest } from '../../src/crypto/sm2-sign.js';

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

describe('SM2 signature format detection', () => {
  /**
   * A valid raw r‖s whose r starts 30 3E: the header of a 64-byte DER SEQUENCE. With a fixed nonce
   * x1 is fixed and r = (e + x1) mod n, so trying messages finds one in about 65,536 hashes.
   */
  function rawSignatureStartingWithDerHeader(): { message: Uint8Array; signature: Uint8Array } {
    const k = 0x1234567890abcdefn;
    const x1 = BigInt(`0x${toHex(sm2MultiplyBase(fromHex(hex64(k))).subarray(1, 33))}`);
    const z = sm2ComputeZ(publicKey);
    for (let i = 0; ; i++) {
      const message = new TextEncoder().encode(`message ${i}`);
      const e = BigInt(`0x${toHex(sm3(concatBytes(z, message)))}`);
      if (((e + x1) % SM2_CURVE.n) >> 240n === 0x303en) {
        return { message, signature: sm2SignWithFixedNonceForTest(privateKey, message, k, { format: 'raw' }) };
      }
    }
  }
  const { message, signature } = rawSignatureStartingWithDerHeader();

  it('a raw r‖s that starts with 30 3E verifies without a format (it is not exactly DER)', () => {
    expect(toHex(signature.subarray(0, 2))).toBe('303E');
    expect(sm2Verify(publicKey, message, signature)).toBe(true);
    expect(sm2Verify(publicKey, message, signature, { format: 'raw' })).toBe(true);
    expect(toHex(sm2ConvertSignature(sm2ConvertSignature(signature, 'der', { from: 'raw' }), 'raw'))).toBe(toHex(signature));
    expect(toHex(sm2ConvertSignature(signature, 'der'))).toBe(toHex(sm2ConvertSignature(signature, 'der', { from: 'raw' })));
  });

  it('64 bytes of strict DER are still read as DER, and a stated format is never second-guessed', () => {
    // r and s of 29 bytes each make a 64-byte DER signature: 30 3E 02 1D r 02 1D s.
    const r = 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1dn;
    const der = fromHex(`303E021D${r.toString(16).padStart(58, '0')}021D${r.toString(16).padStart(58, '0')}`);
    expect(toHex(sm2ConvertSignature(der, 'raw'))).toBe((hex64(r) + hex64(r)).toUpperCase());
    expect(toHex(sm2ConvertSignature(der, 'raw', { from: 'raw' }))).toBe(toHex(der));
    expect(cryptoError(() => sm2Verify(publicKey, message, signature, { format: 'der' })).message).toMatch(/malformed DER/);
  });
});

describe('SM2 keys', () => {
  it('reads the "SM2 PRIVATE KEY" block (SEC1) that OpenSSL 3 writes for SM2 keys', () => {
    // Written by `openssl ec -in <PKCS#8 SM2 key>` (OpenSSL 3.0).
    const pem = [
      '-----BEGIN SM2 PRIVATE KEY-----',
      'MHcCAQEEIBxoTz1DUjU4iQxLQ3DG6IDJOq2WPPsU6yJrWB+W+079oAoGCCqBHM9V',
      'AYItoUQDQgAEy89tNDem1UA2vG0640Bz2IJ6+3XcpuPRSmPOW5xhM33Yn07kMPAc',
      '1XJfAj9jmGM+dSyP0IDgCZO4xqO5odU2Kg==',
      '-----END SM2 PRIVATE KEY-----',
    ].join('\n');
    expect(toHex(sm2PrivateKeyFromPem(pem))).toBe('1C684F3D43523538890C4B4370C6E880C93AAD963CFB14EB226B581F96FB4EFD');
  });

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
