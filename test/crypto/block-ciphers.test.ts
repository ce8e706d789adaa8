import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { encodePinBcd } from '../../src/bytes/pin-bcd.js';
import {
  CryptoError,
  Des3BlockCipher,
  DesBlockCipher,
  des3DecryptCbc,
  des3EncryptCbc,
  des3EncryptEcb,
  desDecryptCbc,
  desEncryptCbc,
  padIso9797M2,
  Sm4BlockCipher,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  unpadIso9797M2,
} from '../../src/crypto/index.js';
import { InputError } from '../../src/errors.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const blocks = (size: number) => fc.integer({ min: 1, max: 8 }).chain((k) => bytes(k * size));

describe('padding (ISO/IEC 9797-1 method 2)', () => {
  it('always adds 80 then zeros, and comes off again', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(8, 16), (d, bs) => {
        const p = padIso9797M2(d, bs);
        expect(p.length % bs).toBe(0);
        expect(p.length).toBeGreaterThan(d.length);
        expect(p[d.length]).toBe(0x80);
        expect(toHex(unpadIso9797M2(p, bs))).toBe(toHex(d));
      }),
    );
  });
  it('rejects data without padding', () => {
    expect(() => unpadIso9797M2(new Uint8Array(8), 8)).toThrow(CryptoError);
    expect(() => unpadIso9797M2(new Uint8Array(7), 8)).toThrow(CryptoError);
  });
});

describe('SM4', () => {
  it('ECB/CBC round trip with and without padding; single-block class agrees with one-shot ECB', () => {
    fc.assert(
      fc.property(bytes(16), bytes(16), fc.uint8Array({ maxLength: 80 }), blocks(16), (key, iv, any, aligned) => {
        expect(toHex(sm4DecryptEcb(key, sm4EncryptEcb(key, any, { padding: 'iso9797-m2' }), { padding: 'iso9797-m2' }))).toBe(toHex(any));
        expect(toHex(sm4DecryptCbc(key, iv, sm4EncryptCbc(key, iv, aligned)))).toBe(toHex(aligned));
        const cipher = new Sm4BlockCipher(key);
        expect(toHex(cipher.encrypt(aligned))).toBe(toHex(sm4EncryptEcb(key, aligned)));
        expect(toHex(cipher.encryptCbc(aligned, iv))).toBe(toHex(sm4EncryptCbc(key, iv, aligned)));
        expect(toHex(cipher.decryptBlock(cipher.encryptBlock(aligned.subarray(0, 16))))).toBe(toHex(aligned.subarray(0, 16)));
      }),
      { numRuns: 50 },
    );
  });
  it('rejects bad key and data lengths with CryptoError', () => {
    expect(() => sm4EncryptEcb(new Uint8Array(15), new Uint8Array(16))).toThrow(/sm4Key: expected 16 bytes, got 15/);
    expect(() => sm4EncryptEcb(new Uint8Array(16), new Uint8Array(15))).toThrow(CryptoError);
    expect(() => sm4EncryptCbc(new Uint8Array(16), new Uint8Array(8), new Uint8Array(16))).toThrow(/iv/);
    expect(() => new Sm4BlockCipher(new Uint8Array(16)).encryptBlock(new Uint8Array(17))).toThrow(CryptoError);
  });
});

describe('DES / 3DES', () => {
  it('single DES equals 3DES with K1 = K2 = K3, and round-trips', () => {
    fc.assert(
      fc.property(bytes(8), bytes(8), blocks(8), (k, iv, data) => {
        const ede3 = createCipheriv('des-ede3-cbc', Buffer.concat([k, k, k]), iv)
          .setAutoPadding(false)
          .update(data);
        expect(toHex(desEncryptCbc(k, iv, data))).toBe(toHex(ede3));
        expect(toHex(desDecryptCbc(k, iv, desEncryptCbc(k, iv, data)))).toBe(toHex(data));
        expect(toHex(new DesBlockCipher(k).encryptCbc(data, iv))).toBe(toHex(ede3));
      }),
      { numRuns: 30 },
    );
  });
  it('3DES with 16- and 24-byte keys', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 24).chain(bytes), bytes(8), blocks(8), (k, iv, data) => {
        expect(toHex(des3DecryptCbc(k, iv, des3EncryptCbc(k, iv, data)))).toBe(toHex(data));
        expect(toHex(new Des3BlockCipher(k).encrypt(data))).toBe(toHex(des3EncryptEcb(k, data)));
      }),
      { numRuns: 30 },
    );
    expect(() => des3EncryptEcb(new Uint8Array(8), new Uint8Array(8))).toThrow(/des3Key: expected 16 or 24 bytes/);
  });
});

describe('PIN BCD', () => {
  it('packs digits, F-pads odd counts, and never echoes the PIN in errors', () => {
    expect(toHex(encodePinBcd('123456'))).toBe('123456');
    expect(toHex(encodePinBcd('12345'))).toBe('12345F');
    for (const bad of ['12a4', '123', '12345678901234567', '']) {
      try {
        encodePinBcd(bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        if (bad) expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});
