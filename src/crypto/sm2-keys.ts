import { randomFillSync } from 'node:crypto';
import { bytesEqual, constantTimeEqual } from '../bytes/bytes.js';
import { toHex } from '../bytes/hex.js';
import { CryptoError } from './crypto-error.js';
import { bigIntToBytes, bytesToBigInt, curveRightHandSide, curveY, N, SM2_CURVE } from './sm2-curve.js';
import { type AffinePoint, sm2MultiplyBase } from './sm2-point-engine.js';
import { sm2PrepareSigningScalars } from './sm2-signing-scalars.js';
import { sm3 } from './sm3.js';

/** The user id every SM2 signature uses unless told otherwise (GB/T 35276, GM/T 0009). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

/** A user id as text (UTF-8) or bytes. */
export type Sm2UserId = string | Uint8Array;

const N_BYTES = bigIntToBytes(N);
const N_MINUS_1_BYTES = bigIntToBytes(N - 1n);

/**
 * True when the 32 big-endian bytes k satisfy 1 ≤ k < bound, read without an early exit, so
 * the time taken says nothing about a secret k.
 */
function scalarInRange(k: Uint8Array, bound: Uint8Array): boolean {
  let below = 0; // 1 once k < bound is decided
  let above = 0; // 1 once k > bound is decided
  let nonZero = 0;
  for (let i = 0; i < 32; i++) {
    const a = k[i]!;
    const b = bound[i]!;
    const undecided = 1 - (below | above);
    below |= undecided & (((a - b) >>> 31) & 1);
    above |= undecided & (((b - a) >>> 31) & 1);
    nonZero |= a;
  }
  return (below & (nonZero !== 0 ? 1 : 0)) === 1;
}

/** A fresh random scalar k in [1, n-1] (32 big-endian bytes) from the system's generator, and k·G. */
export function randomScalarWithPoint(): { kBytes: Uint8Array; kG: Uint8Array } {
  const kBytes = new Uint8Array(32);
  do randomFillSync(kBytes);
  while (!scalarInRange(kBytes, N_BYTES));
  return { kBytes, kG: sm2MultiplyBase(kBytes) };
}

function userIdBytes(userId: Sm2UserId): Uint8Array {
  const id = typeof userId === 'string' ? new TextEncoder().encode(userId) : userId;
  if (id.length > 8191) throw new CryptoError('userId', `at most 8191 bytes (ENTL is 16 bits of bit length), got ${id.length}`);
  return id;
}

const CURVE_CONSTANTS = new Uint8Array([
  ...bigIntToBytes(SM2_CURVE.a),
  ...bigIntToBytes(SM2_CURVE.b),
  ...bigIntToBytes(SM2_CURVE.Gx),
  ...bigIntToBytes(SM2_CURVE.Gy),
]);

/** An SM2 public key: a validated point on the curve, with per-key caches (Z values, multiplication tables). */
export class Sm2PublicKey {
  /** 04 ‖ x ‖ y. */
  readonly #uncompressed: Uint8Array;
  readonly #point: AffinePoint;
  readonly #zByUserId = new Map<string, Uint8Array>();

  private constructor(point: AffinePoint) {
    this.#point = point;
    this.#uncompressed = new Uint8Array(65);
    this.#uncompressed[0] = 0x04;
    this.#uncompressed.set(bigIntToBytes(point.x), 1);
    this.#uncompressed.set(bigIntToBytes(point.y), 33);
  }

  /** Accepts 04‖x‖y (65 bytes), x‖y (64 bytes, as cards often export it) or 02/03‖x (33 bytes). */
  static fromBytes(bytes: Uint8Array): Sm2PublicKey {
    return new Sm2PublicKey(decodePoint(bytes, 'publicKey'));
  }

  /** 04‖x‖y by default; 02/03‖x when compressed. */
  toBytes(options: { compressed?: boolean } = {}): Uint8Array {
    if (!options.compressed) return this.#uncompressed.slice();
    const out = this.#uncompressed.slice(0, 33);
    out[0] = 0x02 | Number(this.#point.y & 1n);
    return out;
  }

  get x(): Uint8Array {
    return this.#uncompressed.slice(1, 33);
  }
  get y(): Uint8Array {
    return this.#uncompressed.slice(33, 65);
  }

  equals(other: Sm2PublicKey): boolean {
    return bytesEqual(this.#uncompressed, other.#uncompressed);
  }

  /** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ x ‖ y), cached per user id. */
  z(userId: Sm2UserId = SM2_DEFAULT_USER_ID): Uint8Array {
    const id = userIdBytes(userId);
    const cacheKey = toHex(id);
    let z = this.#zByUserId.get(cacheKey);
    if (z === undefined) {
      const bits = id.length * 8;
      const input = new Uint8Array(2 + id.length + CURVE_CONSTANTS.length + 64);
      input[0] = bits >> 8;
      input[1] = bits & 0xff;
      input.set(id, 2);
      input.set(CURVE_CONSTANTS, 2 + id.length);
      input.set(this.#uncompressed.subarray(1), 2 + id.length + CURVE_CONSTANTS.length);
      z = sm3(input);
      if (this.#zByUserId.size >= 8) this.#zByUserId.clear();
      this.#zByUserId.set(cacheKey, z);
    }
    return z;
  }

  /** @internal */
  get point(): AffinePoint {
    return this.#point;
  }
}

/**
 * An SM2 private key d in [1, n-2], with its public key and signing's values computed once. d is
 * kept as bytes only: every computation with it runs in constant-time WebAssembly.
 */
export class Sm2PrivateKey {
  readonly #bytes: Uint8Array;
  #signingScalars: Uint8Array | undefined;
  #publicKey: Sm2PublicKey | undefined;

  private constructor(bytes: Uint8Array, publicKey?: Sm2PublicKey) {
    this.#bytes = bytes;
    this.#publicKey = publicKey;
  }

  /** 32 bytes, big-endian. d must be in [1, n-2] (signing uses (1+d)^-1). */
  static fromBytes(bytes: Uint8Array): Sm2PrivateKey {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
      throw new CryptoError('privateKey', `expected 32 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
    }
    if (!scalarInRange(bytes, N_MINUS_1_BYTES)) throw new CryptoError('privateKey', 'out of range: must be in [1, n-2]');
    return new Sm2PrivateKey(bytes.slice());
  }

  /** A new random key from the system's generator. */
  static generate(): Sm2PrivateKey {
    for (;;) {
      const { kBytes, kG } = randomScalarWithPoint();
      if (scalarInRange(kBytes, N_MINUS_1_BYTES)) return new Sm2PrivateKey(kBytes, Sm2PublicKey.fromBytes(kG));
    }
  }

  toBytes(): Uint8Array {
    return this.#bytes.slice();
  }

  get publicKey(): Sm2PublicKey {
    this.#publicKey ??= Sm2PublicKey.fromBytes(sm2MultiplyBase(this.#bytes));
    return this.#publicKey;
  }

  /** @internal The scalar's 32 bytes, not copied (callers must not change them). */
  toBytesInternal(): Uint8Array {
    return this.#bytes;
  }

  /** @internal d·R and (1 + d)^-1·R mod n, for sm2SignatureS. */
  get signingScalars(): Uint8Array {
    this.#signingScalars ??= sm2PrepareSigningScalars(this.#bytes);
    return this.#signingScalars;
  }

  /** @internal */
  sameBytes(bytes: Uint8Array): boolean {
    return constantTimeEqual(this.#bytes, bytes);
  }
}

/** Parses an encoded point and checks that it lies on the curve (and is not the point at infinity). */
export function decodePoint(bytes: Uint8Array, field: string): AffinePoint {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError(field, 'expected bytes (Uint8Array)');
  let encoded = bytes;
  if (bytes.length === 64) encoded = new Uint8Array([0x04, ...bytes]);
  if (encoded.length === 65) {
    if (encoded[0] !== 0x04) throw new CryptoError(field, `uncompressed point must start with 04, found ${hex2(encoded[0]!)}`);
    const x = bytesToBigInt(encoded.subarray(1, 33));
    const y = bytesToBigInt(encoded.subarray(33, 65));
    if (x >= SM2_CURVE.p || y >= SM2_CURVE.p) throw new CryptoError(field, 'coordinate out of range (not below p)');
    if ((y * y) % SM2_CURVE.p !== curveRightHandSide(x)) throw new CryptoError(field, 'point is not on the SM2 curve');
    return { x, y };
  }
  if (encoded.length === 33) {
    if (encoded[0] !== 0x02 && encoded[0] !== 0x03) {
      throw new CryptoError(field, `compressed point must start with 02 or 03, found ${hex2(encoded[0]!)}`);
    }
    const x = bytesToBigInt(encoded.subarray(1));
    if (x >= SM2_CURVE.p) throw new CryptoError(field, 'coordinate out of range (not below p)');
    const y = curveY(x, encoded[0] === 0x03);
    if (y === undefined) throw new CryptoError(field, 'point is not on the SM2 curve (no y for this x)');
    return { x, y };
  }
  if (bytes.length === 1 && bytes[0] === 0) throw new CryptoError(field, 'the point at infinity is not a valid key or point');
  throw new CryptoError(field, `expected a 65-byte (04‖x‖y), 64-byte (x‖y) or 33-byte compressed point, got ${bytes.length} bytes`);
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

// --- accepting bytes or key objects, with small caches so repeated raw-byte calls stay fast ---

export type Sm2PublicKeyInput = Uint8Array | Sm2PublicKey;
export type Sm2PrivateKeyInput = Uint8Array | Sm2PrivateKey;

const publicKeyCache = new Map<string, Sm2PublicKey>();
const privateKeyCache = new WeakMap<Uint8Array, Sm2PrivateKey>();

export function toSm2PublicKey(input: Sm2PublicKeyInput): Sm2PublicKey {
  if (input instanceof Sm2PublicKey) return input;
  if (!(input instanceof Uint8Array)) throw new CryptoError('publicKey', 'expected bytes or an Sm2PublicKey');
  const cacheKey = toHex(input);
  let key = publicKeyCache.get(cacheKey);
  if (key === undefined) {
    key = Sm2PublicKey.fromBytes(input);
    if (publicKeyCache.size >= 64) publicKeyCache.delete(publicKeyCache.keys().next().value as string);
    publicKeyCache.set(cacheKey, key);
  }
  return key;
}

export function toSm2PrivateKey(input: Sm2PrivateKeyInput): Sm2PrivateKey {
  if (input instanceof Sm2PrivateKey) return input;
  if (!(input instanceof Uint8Array)) throw new CryptoError('privateKey', 'expected bytes or an Sm2PrivateKey');
  // Keyed by the caller's array; re-checked against a copy, so a wiped or reused array is never stale.
  const cached = privateKeyCache.get(input);
  if (cached?.sameBytes(input)) return cached;
  const key = Sm2PrivateKey.fromBytes(input);
  privateKeyCache.set(input, key);
  return key;
}

/** A new key pair: 32-byte private key and 65-byte uncompressed public key. */
export function sm2GenerateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const key = Sm2PrivateKey.generate();
  return { privateKey: key.toBytes(), publicKey: key.publicKey.toBytes() };
}

/** The public key of a private key, uncompressed (04‖x‖y) unless `compressed`. */
export function sm2PublicKeyFromPrivate(privateKey: Sm2PrivateKeyInput, options: { compressed?: boolean } = {}): Uint8Array {
  return toSm2PrivateKey(privateKey).publicKey.toBytes(options);
}

/** Re-encodes any accepted public-key form, e.g. compressed → 04‖x‖y. */
export function sm2ConvertPublicKey(publicKey: Sm2PublicKeyInput, options: { compressed?: boolean } = {}): Uint8Array {
  return toSm2PublicKey(publicKey).toBytes(options);
}

/** Z_A for a public key and user id (exposed for interoperability checks). */
export function sm2ComputeZ(publicKey: Sm2PublicKeyInput, userId: Sm2UserId = SM2_DEFAULT_USER_ID): Uint8Array {
  return toSm2PublicKey(publicKey).z(userId).slice();
}
