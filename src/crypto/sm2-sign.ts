import { bytesEqual, concatBytes } from '../bytes/bytes.js';
import { CryptoError } from './crypto-error.js';
import { DerTag, derEncode, derUnsignedInteger, expectTag, readDerChildren, readDerRoot, readDerUnsignedInteger } from './der.js';
import { bigIntToBytes, bytesToBigInt, modN, N } from './sm2-curve.js';
import {
  randomScalarWithPoint,
  SM2_DEFAULT_USER_ID,
  type Sm2PrivateKey,
  type Sm2PrivateKeyInput,
  type Sm2PublicKeyInput,
  type Sm2UserId,
  toSm2PrivateKey,
  toSm2PublicKey,
} from './sm2-keys.js';
import { sm2CombinationXMatches, sm2MultiplyBase } from './sm2-point-engine.js';
import { sm2SignatureS } from './sm2-signing-scalars.js';
import { createSm3, sm3 } from './sm3.js';

/** 'der': SEQUENCE { INTEGER r, INTEGER s } as OpenSSL writes it; 'raw': r ‖ s, 32 bytes each, as cards return it. */
export type Sm2SignatureFormat = 'der' | 'raw';

export interface Sm2SignOptions {
  /** Default `1234567812345678`. */
  userId?: Sm2UserId;
  /** Default 'der'. */
  format?: Sm2SignatureFormat;
}

export interface Sm2VerifyOptions {
  userId?: Sm2UserId;
  /** Default: detect (64 bytes that are not exactly DER are raw; anything else must be DER). */
  format?: Sm2SignatureFormat;
}

/** e = SM3(Z ‖ M) as an integer. */
function messageRepresentative(z: Uint8Array, message: Uint8Array): bigint {
  // Short messages: one copy and a one-shot hash beat a streaming hash object.
  if (message.length <= 4096) return bytesToBigInt(sm3(concatBytes(z, message)));
  return bytesToBigInt(createSm3().update(z).update(message).digest());
}

/**
 * SM2 signature (GB/T 32918.2) of `message` with the user id's Z value. The nonce comes from the
 * system's generator, k·G from the constant-time fixed-base table; the rest is a few operations mod n.
 */
export function sm2Sign(privateKey: Sm2PrivateKeyInput, message: Uint8Array, options: Sm2SignOptions = {}): Uint8Array {
  const key = toSm2PrivateKey(privateKey);
  const e = messageRepresentative(key.publicKey.z(options.userId ?? SM2_DEFAULT_USER_ID), message);
  return signRepresentative(key, e, options.format ?? 'der');
}

/**
 * Signs a message representative e = SM3(Z ‖ M) that someone else computed (GB/T 32918.2 §6.1
 * A3–A7), as a card does when the terminal hashes: the signer never sees the message or user id.
 */
export function sm2SignDigest(
  privateKey: Sm2PrivateKeyInput,
  digest: Uint8Array,
  options: { format?: Sm2SignatureFormat } = {},
): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new CryptoError('digest', 'e = SM3(Z ‖ M) must be 32 bytes');
  return signRepresentative(toSm2PrivateKey(privateKey), bytesToBigInt(digest), options.format ?? 'der');
}

function signRepresentative(key: Sm2PrivateKey, e: bigint, format: Sm2SignatureFormat): Uint8Array {
  for (;;) {
    const { kBytes, kG } = randomScalarWithPoint();
    const sig = signWithNonce(key, e, kBytes, bytesToBigInt(kG.subarray(1, 33)));
    kBytes.fill(0);
    if (sig) return encodeSignature(sig.r, sig.s, format);
  }
}

/**
 * Known-answer tests only: signs with a caller-chosen nonce, as the standard's examples do.
 * Never use a chosen nonce for real keys (a repeated k reveals the private key).
 */
export function sm2SignWithFixedNonceForTest(
  privateKey: Sm2PrivateKeyInput,
  message: Uint8Array,
  k: bigint,
  options: Sm2SignOptions = {},
): Uint8Array {
  const key = toSm2PrivateKey(privateKey);
  const e = messageRepresentative(key.publicKey.z(options.userId ?? SM2_DEFAULT_USER_ID), message);
  if (k < 1n || k >= N) throw new CryptoError('nonce', 'must be in [1, n-1]');
  const kBytes = bigIntToBytes(k);
  const sig = signWithNonce(key, e, kBytes, bytesToBigInt(sm2MultiplyBase(kBytes).subarray(1, 33)));
  if (!sig) throw new CryptoError('nonce', 'this nonce gives r = 0, r + k = n or s = 0; the standard picks another');
  return encodeSignature(sig.r, sig.s, options.format ?? 'der');
}

/** GB/T 32918.2 §6.1 A5–A6: r = (e + x1) mod n, s = (1 + d)^-1·(k − r·d) mod n; undefined when the standard picks another k. */
function signWithNonce(key: Sm2PrivateKey, e: bigint, k: Uint8Array, x1: bigint): { r: bigint; s: bigint } | undefined {
  const r = modN(e + x1);
  if (r === 0n) return undefined;
  const s = sm2SignatureS(key.signingScalars, k, r); // undefined when r + k = n or s = 0
  return s === undefined ? undefined : { r, s };
}

/**
 * True when `signature` is a valid SM2 signature of `message` under `publicKey` and the user id.
 * A well-formed signature that does not verify returns false; a malformed one (bad DER, wrong
 * length, r or s out of [1, n-1]) throws CryptoError, so callers can tell the two apart.
 */
export function sm2Verify(
  publicKey: Sm2PublicKeyInput,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2VerifyOptions = {},
): boolean {
  const key = toSm2PublicKey(publicKey);
  const { r, s } = decodeSignature(signature, options.format);
  const e = messageRepresentative(key.z(options.userId ?? SM2_DEFAULT_USER_ID), message);
  const t = modN(r + s);
  if (t === 0n) return false;
  // (e + x1) mod n = r  ⇔  x1 ≡ r - e (mod n)
  return sm2CombinationXMatches(s, t, key.point, modN(r - e));
}

export function encodeSignature(r: bigint, s: bigint, format: Sm2SignatureFormat): Uint8Array {
  if (format === 'raw') return concatBytes(bigIntToBytes(r), bigIntToBytes(s));
  return derEncode(DerTag.sequence, derUnsignedInteger(r), derUnsignedInteger(s));
}

/**
 * Parses a raw (r‖s) or DER signature and checks 1 ≤ r, s ≤ n-1. Without a format, 64 bytes are DER
 * only when they parse strictly as DER and encode back to the same bytes; anything else of 64
 * bytes is raw (a raw r‖s may start with 30 3E, the header of a 64-byte DER sequence).
 */
export function decodeSignature(signature: Uint8Array, format?: Sm2SignatureFormat): { r: bigint; s: bigint } {
  if (!(signature instanceof Uint8Array)) throw new CryptoError('signature', 'expected bytes (Uint8Array)');
  const { r, s } = format === 'raw' ? decodeRaw(signature) : format === 'der' ? decodeDer(signature) : decodeDetected(signature);
  if (r < 1n || r >= N) throw new CryptoError('signature', 'r out of range [1, n-1]');
  if (s < 1n || s >= N) throw new CryptoError('signature', 's out of range [1, n-1]');
  return { r, s };
}

function decodeRaw(signature: Uint8Array): { r: bigint; s: bigint } {
  if (signature.length !== 64) throw new CryptoError('signature', `raw r‖s must be 64 bytes, got ${signature.length}`);
  return { r: bytesToBigInt(signature.subarray(0, 32)), s: bytesToBigInt(signature.subarray(32)) };
}

function decodeDer(signature: Uint8Array): { r: bigint; s: bigint } {
  const seq = readDerRoot(signature, DerTag.sequence, 'signature');
  const parts = readDerChildren(seq, 'signature');
  if (parts.length !== 2) throw new CryptoError('signature', `malformed DER: expected 2 INTEGERs, found ${parts.length} elements`);
  return {
    r: readDerUnsignedInteger(expectTag(parts[0], DerTag.integer, 'signature', 'r'), 'signature', 'r'),
    s: readDerUnsignedInteger(expectTag(parts[1], DerTag.integer, 'signature', 's'), 'signature', 's'),
  };
}

function decodeDetected(signature: Uint8Array): { r: bigint; s: bigint } {
  if (signature.length !== 64) return decodeDer(signature);
  if (signature[0] === DerTag.sequence) {
    try {
      const der = decodeDer(signature);
      if (bytesEqual(encodeSignature(der.r, der.s, 'der'), signature)) return der;
    } catch {
      // not DER: raw
    }
  }
  return decodeRaw(signature);
}

/** Converts a signature to `to`; `from` says what it is (when not given, detected as decodeSignature does). */
export function sm2ConvertSignature(
  signature: Uint8Array,
  to: Sm2SignatureFormat,
  options: { from?: Sm2SignatureFormat } = {},
): Uint8Array {
  const { r, s } = decodeSignature(signature, options.from);
  return encodeSignature(r, s, to);
}
