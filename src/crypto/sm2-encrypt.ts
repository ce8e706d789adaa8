import { concatBytes, constantTimeEqual } from '../bytes/bytes.js';
import { CryptoError } from './crypto-error.js';
import { DerTag, derEncode, derUnsignedInteger, derValue, expectTag, readDerChildren, readDerRoot, readDerUnsignedInteger } from './der.js';
import { bigIntToBytes, SM2_CURVE } from './sm2-curve.js';
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

/** SM3 key derivation (GB/T 32918.4 §5.4.3): SM3(Z ‖ ct) for ct = 1, 2, … until `length` bytes. */
export function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let ct = 1, pos = 0; pos < length; ct++, pos += 32) {
    new DataView(counter.buffer).setUint32(0, ct);
    const block = createSm3().update(z).update(counter).digest();
    out.set(block.subarray(0, Math.min(32, length - pos)), pos);
  }
  return out;
}

/** SM2 public-key encryption (GB/T 32918.4): C1 = 04‖x‖y (65 bytes), C3 = 32 bytes, C2 = |plaintext| bytes. */
export function sm2Encrypt(publicKey: Sm2PublicKeyInput, plaintext: Uint8Array, options: Sm2EncryptOptions = {}): Uint8Array {
  const key = toSm2PublicKey(publicKey);
  if (!(plaintext instanceof Uint8Array) || plaintext.length === 0) throw new CryptoError('plaintext', 'must be at least one byte');
  for (;;) {
    const { kBytes, kG } = randomScalarWithPoint();
    const out = encryptWithNonce(key.point, plaintext, kBytes, kG, options.order ?? 'C1C3C2');
    if (out) return out;
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
  const shared = sm2MultiplyPoint(k, q);
  const x2 = shared.subarray(1, 33);
  const y2 = shared.subarray(33, 65);
  const t = sm2Kdf(concatBytes(x2, y2), plaintext.length);
  if (t.every((b) => b === 0)) return undefined;
  const c2 = new Uint8Array(plaintext.length);
  for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i]! ^ t[i]!;
  const c3 = createSm3().update(x2).update(plaintext).update(y2).digest();
  return order === 'C1C3C2' ? concatBytes(c1, c3, c2) : concatBytes(c1, c2, c3);
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
  const shared = sm2MultiplyPoint(key.toBytesInternal(), c1);
  const x2 = shared.subarray(1, 33);
  const y2 = shared.subarray(33, 65);
  const t = sm2Kdf(concatBytes(x2, y2), c2Length);
  if (t.every((b) => b === 0)) throw new CryptoError('ciphertext', 'key stream is all zero');
  const m = new Uint8Array(c2Length);
  for (let i = 0; i < m.length; i++) m[i] = c2[i]! ^ t[i]!;
  const u = createSm3().update(x2).update(m).update(y2).digest();
  if (!constantTimeEqual(u, c3)) {
    m.fill(0);
    throw new CryptoError('ciphertext', 'C3 check failed: wrong key, wrong order or corrupted ciphertext');
  }
  return m;
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
