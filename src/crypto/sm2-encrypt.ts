import { concatBytes, constantTimeEqual } from '../bytes/bytes.js';
import { CryptoError } from './crypto-error.js';
import { DerTag, derEncode, derUnsignedInteger, derValue, expectTag, readDerChildren, readDerRoot, readDerUnsignedInteger } from './der.js';
import { bigIntToBytes, SM2_CURVE } from './sm2-curve.js';
import { sm2Kdf } from './sm2-kdf.js';
import {
  decodePoint,
  randomScalarWithPoint,
  type Sm2PrivateKeyInput,
  type Sm2PublicKeyInput,
  toSm2PrivateKey,
  toSm2PublicKey,
} from './sm2-keys.js';
import { type AffinePoint, sm2MultiplyBase, sm2MultiplyPoint } from './sm2-point-engine.js';
import { createSm3 } from './sm3.js';

/** C1C3C2 is the current standard's order and what the cards use; C1C2C3 is the 2010 draft's. */
export type Sm2CiphertextOrder = 'C1C3C2' | 'C1C2C3';

export interface Sm2EncryptOptions {
  /** Default 'C1C3C2'. */
  order?: Sm2CiphertextOrder;
}

/**
 * SM2 public-key encryption (GB/T 32918.4): C1 = 04‖x‖y (65 bytes), C3 = 32 bytes, C2 = |plaintext|
 * bytes. The nonce k, the shared point k·P and the key stream are wiped before returning: anyone
 * holding one of them can decrypt.
 */
export function sm2Encrypt(publicKey: Sm2PublicKeyInput, plaintext: Uint8Array, options: Sm2EncryptOptions = {}): Uint8Array {
  const key = toSm2PublicKey(publicKey);
  if (!(plaintext instanceof Uint8Array) || plaintext.length === 0) throw new CryptoError('plaintext', 'must be at least one byte');
  for (;;) {
    const { kBytes, kG } = randomScalarWithPoint();
    try {
      const out = encryptWithNonce(key.point, plaintext, kBytes, kG, options.order ?? 'C1C3C2');
      if (out) return out;
    } finally {
      kBytes.fill(0);
    }
  }
}

/** Known-answer tests only: encryption with a chosen k, as in the standard's example. */
export function sm2EncryptWithFixedNonceForTest(
  publicKey: Sm2PublicKeyInput,
  plaintext: Uint8Array,
  k: bigint,
  options: Sm2EncryptOptions = {},
): Uint8Array {
  const kBytes = bigIntToBytes(k);
  const out = encryptWithNonce(toSm2PublicKey(publicKey).point, plaintext, kBytes, sm2MultiplyBase(kBytes), options.order ?? 'C1C3C2');
  kBytes.fill(0);
  if (!out) throw new CryptoError('nonce', 'this nonce gives an all-zero key stream');
  return out;
}

function encryptWithNonce(
  q: AffinePoint,
  plaintext: Uint8Array,
  k: Uint8Array,
  c1: Uint8Array,
  order: Sm2CiphertextOrder,
): Uint8Array | undefined {
  // h = 1 for SM2, so [h]P_B at infinity cannot happen for a valid key; k·P_B is constant-time.
  const secrets = sharedSecrets(sm2MultiplyPoint(k, q), plaintext.length);
  try {
    const { x2, y2, t } = secrets;
    if (isAllZero(t)) return undefined;
    const c2 = new Uint8Array(plaintext.length);
    for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i]! ^ t[i]!;
    const c3 = createSm3().update(x2).update(plaintext).update(y2).digest();
    return order === 'C1C3C2' ? concatBytes(c1, c3, c2) : concatBytes(c1, c2, c3);
  } finally {
    secrets.wipe();
  }
}

/** The shared point (x2, y2) and the key stream t = KDF(x2 ‖ y2, length), with one call to wipe them all. */
function sharedSecrets(shared: Uint8Array, length: number): { x2: Uint8Array; y2: Uint8Array; t: Uint8Array; wipe: () => void } {
  const x2 = shared.subarray(1, 33);
  const y2 = shared.subarray(33, 65);
  const z = shared.slice(1, 65);
  const t = sm2Kdf(z, length);
  return {
    x2,
    y2,
    t,
    wipe: () => {
      shared.fill(0);
      z.fill(0);
      t.fill(0);
    },
  };
}

// No early exit: how much of the key stream is zero is not for a timer to learn.
function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/**
 * Decrypts and checks C3. A ciphertext that is too short, whose C1 is not on the curve, or whose C3
 * does not match throws CryptoError (field "ciphertext"); no plaintext is returned in those cases.
 */
export function sm2Decrypt(privateKey: Sm2PrivateKeyInput, ciphertext: Uint8Array, options: Sm2EncryptOptions = {}): Uint8Array {
  const key = toSm2PrivateKey(privateKey);
  if (!(ciphertext instanceof Uint8Array)) throw new CryptoError('ciphertext', 'expected bytes (Uint8Array)');
  if (ciphertext.length < 65 + 32 + 1) {
    throw new CryptoError('ciphertext', `too short: ${ciphertext.length} bytes, at least 98 (C1 65, C3 32, C2 ≥ 1)`);
  }
  const order = options.order ?? 'C1C3C2';
  const c1 = decodePoint(ciphertext.subarray(0, 65), 'ciphertext');
  const c2Length = ciphertext.length - 97;
  const c3 = order === 'C1C3C2' ? ciphertext.subarray(65, 97) : ciphertext.subarray(65 + c2Length);
  const c2 = order === 'C1C3C2' ? ciphertext.subarray(97) : ciphertext.subarray(65, 65 + c2Length);
  const secrets = sharedSecrets(sm2MultiplyPoint(key.toBytesInternal(), c1), c2Length);
  try {
    const { x2, y2, t } = secrets;
    if (isAllZero(t)) throw new CryptoError('ciphertext', 'key stream is all zero');
    const m = new Uint8Array(c2Length);
    for (let i = 0; i < m.length; i++) m[i] = c2[i]! ^ t[i]!;
    const u = createSm3().update(x2).update(m).update(y2).digest();
    if (!constantTimeEqual(u, c3)) {
      m.fill(0);
      throw new CryptoError('ciphertext', 'C3 check failed: wrong key, wrong order or corrupted ciphertext');
    }
    return m;
  } finally {
    secrets.wipe();
  }
}

/**
 * GM/T 0009 ASN.1 form, which `openssl pkeyutl` reads and writes:
 * SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }.
 */
export function sm2CiphertextToDer(ciphertext: Uint8Array, order: Sm2CiphertextOrder = 'C1C3C2'): Uint8Array {
  if (ciphertext.length < 98) throw new CryptoError('ciphertext', `too short: ${ciphertext.length} bytes`);
  const point = decodePoint(ciphertext.subarray(0, 65), 'ciphertext');
  const c2Length = ciphertext.length - 97;
  const c3 = order === 'C1C3C2' ? ciphertext.subarray(65, 97) : ciphertext.subarray(65 + c2Length);
  const c2 = order === 'C1C3C2' ? ciphertext.subarray(97) : ciphertext.subarray(65, 65 + c2Length);
  return derEncode(
    DerTag.sequence,
    derUnsignedInteger(point.x),
    derUnsignedInteger(point.y),
    derEncode(DerTag.octetString, c3),
    derEncode(DerTag.octetString, c2),
  );
}

export function sm2CiphertextFromDer(der: Uint8Array, order: Sm2CiphertextOrder = 'C1C3C2'): Uint8Array {
  const parts = readDerChildren(readDerRoot(der, DerTag.sequence, 'ciphertext'), 'ciphertext');
  if (parts.length !== 4) throw new CryptoError('ciphertext', `malformed DER: expected 4 elements, found ${parts.length}`);
  const x = readDerUnsignedInteger(expectTag(parts[0], DerTag.integer, 'ciphertext', 'x'), 'ciphertext', 'x');
  const y = readDerUnsignedInteger(expectTag(parts[1], DerTag.integer, 'ciphertext', 'y'), 'ciphertext', 'y');
  const c3 = derValue(expectTag(parts[2], DerTag.octetString, 'ciphertext', 'C3'));
  const c2 = derValue(expectTag(parts[3], DerTag.octetString, 'ciphertext', 'C2'));
  if (x >= SM2_CURVE.p || y >= SM2_CURVE.p) throw new CryptoError('ciphertext', 'C1 coordinate out of range');
  if (c3.length !== 32) throw new CryptoError('ciphertext', `C3 must be 32 bytes, got ${c3.length}`);
  if (c2.length === 0) throw new CryptoError('ciphertext', 'C2 is empty');
  const c1 = concatBytes(Uint8Array.of(0x04), bigIntToBytes(x), bigIntToBytes(y));
  decodePoint(c1, 'ciphertext');
  return order === 'C1C3C2' ? concatBytes(c1, c3, c2) : concatBytes(c1, c2, c3);
}
