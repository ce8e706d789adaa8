import { toHex } from '../bytes/hex.js';

/**
 * The SM2 recommended curve (GB/T 32918.5-2017): y² = x³ + ax + b over GF(p), a = p - 3, prime
 * order n. The point arithmetic is in sm2-point-engine.ts (generated WebAssembly); this file holds
 * the parameters and the few BigInt helpers the algorithms on top use.
 */
export const SM2_CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
} as const;

export const N = SM2_CURVE.n;

/** Object identifier of the SM2 curve (used as the EC parameters in keys): 1.2.156.10197.1.301. */
export const SM2_CURVE_OID = '1.2.156.10197.1.301';

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** Big-endian, left-padded to `length` bytes (32 by default). */
export function bigIntToBytes(value: bigint, length = 32): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modN(a: bigint): bigint {
  return mod(a, N);
}

export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** x³ + ax + b mod p: y² of the point with this x. */
export function curveRightHandSide(x: bigint): bigint {
  const p = SM2_CURVE.p;
  return (((x * x) % p) * x + SM2_CURVE.a * x + SM2_CURVE.b) % p;
}

/** The y with this x and parity (p ≡ 3 mod 4, so √v = v^((p+1)/4)), undefined when x is not on the curve. */
export function curveY(x: bigint, odd: boolean): bigint | undefined {
  const p = SM2_CURVE.p;
  const v = curveRightHandSide(x);
  const y = modPow(v, (p + 1n) / 4n, p);
  if ((y * y) % p !== v) return undefined;
  return (y & 1n) === (odd ? 1n : 0n) ? y : mod(-y, p);
}
