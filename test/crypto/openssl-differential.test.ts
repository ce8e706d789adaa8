// Differential tests against OpenSSL 3: thousands of random cases in-process through node:crypto
// (SM3, SM4, SM2 signatures both ways) on every run, and a few through the `openssl` command line
// for what node:crypto cannot do (PEM files, SM2 encryption, user ids other than the empty one).
import { execFileSync } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomInt,
  sign,
  verify,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import {
  sm2CiphertextFromDer,
  sm2CiphertextToDer,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromDer,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToDer,
  sm2PrivateKeyToPem,
  sm2PublicKeyFromPem,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyToPem,
  sm2Sign,
  sm2Verify,
  sm3,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
} from '../../src/crypto/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-openssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: Uint8Array | string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
}
function openssl(args: string[], input?: Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}
/** Exit status of `openssl` (dgst -verify prints and exits 1 on failure). */
function opensslStatus(args: string[]): number {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

const lengths = [0, 1, 15, 16, 17, 64, 1000];

/** A random length, often on an SM3/SM4 block or padding boundary. */
function randomLength(max: number): number {
  const edges = [0, 1, 15, 16, 17, 31, 32, 33, 55, 56, 57, 63, 64, 65, 119, 120, 128];
  return randomInt(4) === 0 ? edges[randomInt(edges.length)]! : randomInt(max + 1);
}

describe('in-process against OpenSSL (node:crypto), thousands of random cases per run', () => {
  it('SM3: 3000 messages', () => {
    for (let i = 0; i < 3000; i++) {
      const m = randomBytes(randomLength(300));
      const expected = createHash('sm3').update(m).digest('hex').toUpperCase();
      if (toHex(sm3(m)) !== expected) expect(toHex(sm3(m)), `SM3 of ${m.toString('hex')}`).toBe(expected);
    }
  });

  it('SM4: 1000 ECB and 1000 CBC encryptions and decryptions, random keys, IVs and data', () => {
    const openssl = (mode: 'ecb' | 'cbc', encrypt: boolean, key: Buffer, iv: Buffer | null, data: Buffer) => {
      const cipher = encrypt ? createCipheriv(`sm4-${mode}`, key, iv) : createDecipheriv(`sm4-${mode}`, key, iv);
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(data), cipher.final()])
        .toString('hex')
        .toUpperCase();
    };
    for (let i = 0; i < 1000; i++) {
      const key = randomBytes(16);
      const iv = randomBytes(16);
      const data = randomBytes(16 * (1 + randomInt(8)));
      const what = `key ${key.toString('hex')} iv ${iv.toString('hex')} data ${data.toString('hex')}`;
      expect(toHex(sm4EncryptEcb(key, data)), what).toBe(openssl('ecb', true, key, null, data));
      expect(toHex(sm4DecryptEcb(key, data)), what).toBe(openssl('ecb', false, key, null, data));
      expect(toHex(sm4EncryptCbc(key, iv, data)), what).toBe(openssl('cbc', true, key, iv, data));
      expect(toHex(sm4DecryptCbc(key, iv, data)), what).toBe(openssl('cbc', false, key, iv, data));
    }
  });

  // node:crypto signs and verifies SM2 with the empty user id (ENTL 0).
  it('SM2: 600 signatures each way on 20 keys, and a changed message fails on both sides', () => {
    for (let k = 0; k < 20; k++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      const opensslPrivate = createPrivateKey(sm2PrivateKeyToPem(privateKey));
      const opensslPublic = createPublicKey(opensslPrivate);
      for (let i = 0; i < 30; i++) {
        const message = randomBytes(randomLength(200));
        const what = `key ${toHex(privateKey)} message ${message.toString('hex')}`;
        const ours = sm2Sign(privateKey, message, { userId: '' });
        expect(verify(null, message, opensslPublic, ours), `OpenSSL verifies ours: ${what}`).toBe(true);
        const theirs = sign(null, message, opensslPrivate);
        expect(sm2Verify(publicKey, message, theirs, { userId: '' }), `we verify OpenSSL's: ${what}`).toBe(true);
        const changed = Buffer.concat([message, Uint8Array.of(randomInt(256))]);
        expect(verify(null, changed, opensslPublic, ours), what).toBe(false);
        expect(sm2Verify(publicKey, changed, theirs, { userId: '' }), what).toBe(false);
      }
    }
  });
});

describe('SM3 vs openssl dgst -sm3', () => {
  it('random messages of several lengths', () => {
    for (const len of lengths) {
      const m = randomBytes(len);
      expect(toHex(sm3(m))).toBe(openssl(['dgst', '-sm3', '-binary'], m).toString('hex').toUpperCase());
    }
  });
});

describe('SM4 vs openssl enc', () => {
  it('ECB and CBC, no padding and method-2 padding, random keys and data', () => {
    for (const len of [16, 48, 160]) {
      const key = randomBytes(16);
      const iv = randomBytes(16);
      const data = randomBytes(len);
      const k = key.toString('hex');
      expect(toHex(sm4EncryptEcb(key, data))).toBe(openssl(['enc', '-sm4-ecb', '-K', k, '-nopad'], data).toString('hex').toUpperCase());
      expect(toHex(sm4EncryptCbc(key, iv, data))).toBe(
        openssl(['enc', '-sm4-cbc', '-K', k, '-iv', iv.toString('hex'), '-nopad'], data)
          .toString('hex')
          .toUpperCase(),
      );
      // Method 2 padding is ours; OpenSSL sees the padded bytes.
      const odd = randomBytes(len - 3);
      const padded = Buffer.concat([odd, Buffer.from([0x80]), Buffer.alloc(2)]);
      expect(toHex(sm4EncryptEcb(key, odd, { padding: 'iso9797-m2' }))).toBe(
        openssl(['enc', '-sm4-ecb', '-K', k, '-nopad'], padded).toString('hex').toUpperCase(),
      );
    }
  });
});

describe('SM2 signatures vs openssl dgst -sm3 -sigopt distid', () => {
  for (const userId of ['1234567812345678', 'ALICE123@YAHOO.COM']) {
    it(`we sign, OpenSSL verifies (id ${userId})`, () => {
      for (let i = 0; i < 3; i++) {
        const { privateKey } = sm2GenerateKeyPair();
        const keyPem = file(sm2PrivateKeyToPem(privateKey));
        const pubPem = file(sm2PublicKeyToPem(sm2PublicKeyFromPrivate(privateKey)));
        const msg = randomBytes(1 + i * 50);
        const data = file(msg);
        const sig = file(sm2Sign(privateKey, msg, { userId }));
        expect(opensslStatus(['dgst', '-sm3', '-verify', pubPem, '-sigopt', `distid:${userId}`, '-signature', sig, data])).toBe(0);
        // And OpenSSL reads our private key file: it derives the same public key.
        expect(openssl(['pkey', '-in', keyPem, '-pubout']).toString()).toBe(readFileSync(pubPem, 'utf8'));
        // A different id must not verify.
        expect(opensslStatus(['dgst', '-sm3', '-verify', pubPem, '-sigopt', 'distid:other', '-signature', sig, data])).toBe(1);
      }
    });

    it(`OpenSSL signs, we verify (id ${userId})`, () => {
      for (let i = 0; i < 3; i++) {
        const keyPem = file(openssl(['genpkey', '-algorithm', 'SM2']));
        const pub = sm2PublicKeyFromPem(openssl(['pkey', '-in', keyPem, '-pubout']).toString());
        const msg = randomBytes(1 + i * 70);
        const sig = openssl(['dgst', '-sm3', '-sign', keyPem, '-sigopt', `distid:${userId}`, file(msg)]);
        expect(sm2Verify(pub, msg, sig, { userId })).toBe(true);
        expect(sm2Verify(pub, msg, sig, { userId: `${userId}x` })).toBe(false);
        const tampered = Buffer.from(msg);
        tampered[0]! ^= 1;
        expect(sm2Verify(pub, tampered, sig, { userId })).toBe(false);
      }
    });
  }
});

describe('SM2 keys: PEM both ways', () => {
  it('reads OpenSSL PKCS#8 keys and writes them back byte for byte', () => {
    for (let i = 0; i < 3; i++) {
      const pem = openssl(['genpkey', '-algorithm', 'SM2']).toString();
      const d = sm2PrivateKeyFromPem(pem);
      expect(sm2PrivateKeyToPem(d)).toBe(pem);
      const pkcs8 = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
      expect(toHex(sm2PrivateKeyToDer(d))).toBe(pkcs8.toString('hex').toUpperCase());
      // `pkey -outform DER` writes the SEC1 form (with the curve OID); we read that too.
      const sec1 = openssl(['pkey', '-in', file(pem), '-outform', 'DER']);
      expect(toHex(sm2PrivateKeyFromDer(sec1))).toBe(toHex(d));
      const pubPem = openssl(['pkey', '-in', file(pem), '-pubout']).toString();
      expect(sm2PublicKeyToPem(sm2PublicKeyFromPem(pubPem))).toBe(pubPem);
      expect(toHex(sm2PublicKeyFromPem(pubPem))).toBe(toHex(sm2PublicKeyFromPrivate(d)));
    }
  });

  it('reads the SEC1 "EC PRIVATE KEY" that `openssl ecparam -genkey` writes (after its parameters block)', () => {
    const pem = openssl(['ecparam', '-name', 'SM2', '-genkey']).toString();
    expect(pem).toContain('BEGIN SM2 PARAMETERS');
    const d = sm2PrivateKeyFromPem(pem);
    const pubPem = openssl(['ec', '-in', file(pem), '-pubout']).toString();
    expect(toHex(sm2PublicKeyFromPem(pubPem))).toBe(toHex(sm2PublicKeyFromPrivate(d)));
  });
});

describe('SM2 encryption vs openssl pkeyutl (GM/T 0009 DER, C1C3C2)', () => {
  it('we encrypt, OpenSSL decrypts', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const keyPem = file(sm2PrivateKeyToPem(privateKey));
    for (const len of [1, 32, 100]) {
      const m = randomBytes(len);
      const der = sm2CiphertextToDer(sm2Encrypt(publicKey, m));
      expect(openssl(['pkeyutl', '-decrypt', '-inkey', keyPem, '-in', file(der)]).toString('hex')).toBe(m.toString('hex'));
    }
  });

  it('OpenSSL encrypts, we decrypt', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const pubPem = file(sm2PublicKeyToPem(publicKey));
    for (const len of [1, 32, 100]) {
      const m = randomBytes(len);
      const der = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', pubPem, '-in', file(m)]);
      expect(toHex(sm2Decrypt(privateKey, sm2CiphertextFromDer(der)))).toBe(toHex(m));
      expect(toHex(sm2Decrypt(privateKey, sm2CiphertextFromDer(der, 'C1C2C3'), { order: 'C1C2C3' }))).toBe(toHex(m));
    }
  });
});
