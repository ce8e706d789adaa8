import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { encodePinBcd } from '../../src/bytes/pin-bcd.js';
import {
  createSm3,
  Des3BlockCipher,
  desEncryptBlock,
  pinProof,
  pinProofKey,
  SM2_CURVE,
  Sm4BlockCipher,
  sm2ComputeZ,
  sm2Decrypt,
  sm2PublicKeyFromPrivate,
  sm2Verify,
  sm3,
  sm4DecryptEcb,
  sm4EncryptEcb,
} from '../../src/crypto/index.js';
import { sm2EncryptWithFixedNonceForTest } from '../../src/crypto/sm2-encrypt.js';
import { sm2SignWithFixedNonceForTest } from '../../src/crypto/sm2-sign.js';
import { ascii, loadVectors } from './load-vectors.js';

interface Sm3File {
  vectors: { name: string; messageAscii: string; digest: string }[];
}
interface Sm4File {
  vectors: { name: string; key: string; plaintext: string; ciphertext: string; iterations: number }[];
}

describe('SM3 — GB/T 32905 examples', () => {
  const file = loadVectors<Sm3File>('sm3-gbt32905.json');
  for (const v of file.vectors) {
    it(`${v.name}: one-shot and streaming`, () => {
      expect(toHex(sm3(ascii(v.messageAscii)))).toBe(v.digest);
      const h = createSm3();
      for (const ch of v.messageAscii) h.update(ascii(ch));
      expect(toHex(h.digest())).toBe(v.digest);
    });
  }
});

describe('SM4 — GB/T 32907 examples', () => {
  const file = loadVectors<Sm4File>('sm4-gbt32907.json');
  for (const v of file.vectors) {
    // The million-iteration example takes about 1.1 s with one reused cipher context, so it runs always.
    it(`${v.name}`, () => {
      const cipher = new Sm4BlockCipher(fromHex(v.key));
      let block = fromHex(v.plaintext);
      for (let i = 0; i < v.iterations; i++) block = cipher.encryptBlock(block);
      expect(toHex(block)).toBe(v.ciphertext);
      if (v.iterations === 1) {
        expect(toHex(sm4EncryptEcb(fromHex(v.key), fromHex(v.plaintext)))).toBe(v.ciphertext);
        expect(toHex(sm4DecryptEcb(fromHex(v.key), fromHex(v.ciphertext)))).toBe(v.plaintext);
      }
    }, 60_000);
  }
});

describe('SM2 — GB/T 32918.5 examples with the fixed k', () => {
  const file = loadVectors<{
    curve: Record<string, string>;
    signature: Record<string, string>;
    encryption: Record<string, string>;
  }>('sm2-gbt32918-5.json');

  it('uses the recommended curve parameters', () => {
    for (const [name, hex] of Object.entries(file.curve)) {
      expect(SM2_CURVE[name as keyof typeof SM2_CURVE].toString(16).toUpperCase().padStart(64, '0')).toBe(hex);
    }
  });

  it('derives the public key, e, and signs to the published r, s; the signature verifies', () => {
    const v = file.signature;
    const d = fromHex(v.privateKey!);
    expect(toHex(sm2PublicKeyFromPrivate(d))).toBe(v.publicKey);
    const z = sm2ComputeZ(fromHex(v.publicKey!), v.userIdAscii!);
    expect(toHex(sm3(new Uint8Array([...z, ...ascii(v.messageAscii!)])))).toBe(v.e);
    const sig = sm2SignWithFixedNonceForTest(d, ascii(v.messageAscii!), BigInt(`0x${v.k}`), { userId: v.userIdAscii!, format: 'raw' });
    expect(toHex(sig)).toBe(v.r! + v.s!);
    expect(sm2Verify(fromHex(v.publicKey!), ascii(v.messageAscii!), sig, { userId: v.userIdAscii! })).toBe(true);
    expect(sm2Verify(fromHex(v.publicKey!), ascii(v.messageAscii!), sig, { userId: 'ALICE123@YAHOO.COM' })).toBe(false);
  });

  it('encrypts to the published C1‖C3‖C2 and decrypts it, in both orders', () => {
    const v = file.encryption;
    const k = BigInt(`0x${v.k}`);
    const c1c3c2 = sm2EncryptWithFixedNonceForTest(fromHex(v.publicKey!), ascii(v.messageAscii!), k);
    expect(toHex(c1c3c2)).toBe(v.C1! + v.C3! + v.C2!);
    const c1c2c3 = sm2EncryptWithFixedNonceForTest(fromHex(v.publicKey!), ascii(v.messageAscii!), k, { order: 'C1C2C3' });
    expect(toHex(c1c2c3)).toBe(v.C1! + v.C2! + v.C3!);
    expect(new TextDecoder().decode(sm2Decrypt(fromHex(v.privateKey!), c1c3c2))).toBe(v.messageAscii);
    expect(new TextDecoder().decode(sm2Decrypt(fromHex(v.privateKey!), c1c2c3, { order: 'C1C2C3' }))).toBe(v.messageAscii);
  });
});

describe('card-facts §6 check values', () => {
  const { pinProof: v } = loadVectors<{ pinProof: Record<string, string> }>('card-facts-check-values.json');
  it('PIN BCD, SM3, key and proof', () => {
    expect(toHex(encodePinBcd(v.pin!))).toBe(v.pinBcd);
    expect(toHex(sm3(fromHex(v.pinBcd!)))).toBe(v.sm3OfPinBcd);
    expect(toHex(pinProofKey(v.pin!))).toBe(v.key);
    expect(toHex(pinProof(v.pin!, fromHex(v.challenge!)))).toBe(v.proof);
  });
});

describe('DES known answers', () => {
  const file = loadVectors<{ vectors: { name: string; key: string; plaintext: string; ciphertext: string }[] }>('des-known-answers.json');
  for (const v of file.vectors) {
    it(v.name, () => {
      const key = fromHex(v.key);
      const got = key.length === 8 ? desEncryptBlock(key, fromHex(v.plaintext)) : new Des3BlockCipher(key).encrypt(fromHex(v.plaintext));
      expect(toHex(got)).toBe(v.ciphertext);
    });
  }
});
