import { MEMORY, sm2Wasm } from './wasm/sm2-wasm-module.js';

/**
 * Signing's arithmetic modulo n, s = (1 + d)^-1 · (k − r·d), in constant-time WebAssembly: the
 * private key and the nonce go from bytes into the module and never become BigInts, whose timing
 * depends on their values. Numbers in memory are little-endian 256-bit; the inputs here are
 * big-endian bytes, so they are written reversed.
 */

const AREA = {
  d: MEMORY.scalars, // d·R mod n (Montgomery form)
  dPlusOneInverse: MEMORY.scalars + 32, // (1 + d)^-1·R mod n
  k: MEMORY.scalars + 64,
  r: MEMORY.scalars + 96,
  t: MEMORY.scalars + 128,
  u: MEMORY.scalars + 160,
  s: MEMORY.scalars + 192,
  end: MEMORY.scalars + 224,
} as const;

function writeBigEndian(bytes: Uint8Array, address: number, value: Uint8Array): void {
  for (let i = 0; i < 32; i++) bytes[address + i] = value[31 - i]!;
}

/**
 * d·R and (1 + d)^-1·R mod n for a private key d (32 big-endian bytes, 1 ≤ d ≤ n-2): 64 bytes the
 * key object keeps, so each signature costs two multiplications mod n.
 */
export function sm2PrepareSigningScalars(d: Uint8Array): Uint8Array {
  const { exports: w, bytes } = sm2Wasm();
  writeBigEndian(bytes, AREA.d, d);
  w.mulN(AREA.d, AREA.d, MEMORY.constants.nRSquared); // d·R²·R^-1 = d·R
  w.addN(AREA.dPlusOneInverse, AREA.d, MEMORY.constants.nOne); // (d + 1)·R
  w.invN(AREA.dPlusOneInverse, AREA.dPlusOneInverse);
  const prepared = bytes.slice(AREA.d, AREA.d + 64);
  bytes.fill(0, AREA.d, AREA.end);
  bytes.fill(0, MEMORY.inversionPowers, MEMORY.inversionPowersEnd);
  return prepared;
}

/**
 * s for the nonce k (32 big-endian bytes, 1 ≤ k ≤ n-1) and r (public, 1 ≤ r ≤ n-1); undefined
 * when r + k = n or s = 0, for which the standard picks another k.
 */
export function sm2SignatureS(prepared: Uint8Array, k: Uint8Array, r: bigint): bigint | undefined {
  const { exports: w, bytes, writeNumber, readNumber } = sm2Wasm();
  bytes.set(prepared, AREA.d);
  writeBigEndian(bytes, AREA.k, k);
  writeNumber(AREA.r, r);
  try {
    w.addN(AREA.t, AREA.r, AREA.k);
    if (w.isZero(AREA.t)) return undefined; // r + k = n
    w.mulN(AREA.t, AREA.r, AREA.d); // r·d·R·R^-1 = r·d
    w.subN(AREA.u, AREA.k, AREA.t); // k − r·d
    w.mulN(AREA.s, AREA.u, AREA.dPlusOneInverse); // (k − r·d)·(1 + d)^-1
    if (w.isZero(AREA.s)) return undefined;
    return readNumber(AREA.s);
  } finally {
    bytes.fill(0, AREA.d, AREA.end);
  }
}
