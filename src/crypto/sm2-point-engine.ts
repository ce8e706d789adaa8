import { bytesEqual } from '../bytes/bytes.js';
import { SM2_CURVE } from './sm2-curve.js';
import {
  type AdditionChecks,
  BASE_TABLE_ENTRIES,
  BASE_TABLE_WINDOWS,
  MEMORY,
  POINT_BYTES,
  type Sm2WasmExports,
  sm2Wasm,
} from './wasm/sm2-wasm-module.js';

/**
 * SM2 scalar multiplication on the generated WebAssembly field arithmetic (a field multiplication
 * takes about 60 ns, BigInt's `a * b % p` about 300 ns):
 * - `multiplyBase`: k·G for secret k (signing nonces, key generation). Constant-time: 64 complete
 *   additions of entries of a fixed table of j·16^i·G, each picked by reading the whole window.
 * - `multiplyPoint`: k·P for secret k (ECDH-style steps of encryption and decryption).
 *   Constant-time: 4-bit fixed windows, complete formulas, every table entry read.
 * - `verifyCombination`: s·G + t·P for public s, t (signature verification). Variable time, Jacobian
 *   coordinates with the a = -3 doubling, a width-5 NAF for t and the G table for s.
 */

const WINDOW_STRIDE = BASE_TABLE_ENTRIES * POINT_BYTES;
const P = SM2_CURVE.p;

/** Slots (96-byte points) in the free memory area; JavaScript is single-threaded, so fixed slots are safe. */
const SLOT = {
  accumulator: MEMORY.slots,
  other: MEMORY.slots + POINT_BYTES,
  entry: MEMORY.slots + 2 * POINT_BYTES,
  base: MEMORY.slots + 3 * POINT_BYTES,
  sumG: MEMORY.slots + 4 * POINT_BYTES,
  sumGOther: MEMORY.slots + 5 * POINT_BYTES,
  /** 16 points: the variable-base window table (0·P … 15·P), or ±(2j+1)·P for the NAF. */
  pointTable: MEMORY.slots + 6 * POINT_BYTES,
  field: MEMORY.slots + 22 * POINT_BYTES,
} as const;
const FIELD_TEMP = [SLOT.field, SLOT.field + 32, SLOT.field + 64, SLOT.field + 96] as const;
const SLOTS_END = SLOT.field + 128;
if (SLOTS_END > MEMORY.slotsEnd) throw new Error('sm2 point engine: slots overflow');

export interface AffinePoint {
  x: bigint;
  y: bigint;
}

class Engine {
  readonly w: Sm2WasmExports;
  readonly checks: AdditionChecks;
  readonly bytes: Uint8Array;
  /** Stores a field element (below p). */
  readonly writeField: (address: number, value: bigint) => void;
  readonly readField: (address: number) => bigint;
  #baseTableReady = false;

  constructor() {
    const module = sm2Wasm();
    this.w = module.exports;
    this.checks = module.checks;
    this.bytes = module.bytes;
    this.writeField = module.writeNumber;
    this.readField = module.readNumber;
  }

  /** Big-endian bytes of a field element. */
  readFieldBytes(address: number, out: Uint8Array, offset: number): void {
    for (let i = 0; i < 32; i++) out[offset + i] = this.bytes[address + 31 - i]!;
  }

  copyField(to: number, from: number): void {
    this.bytes.copyWithin(to, from, from + 32);
  }

  writeAffine(slot: number, point: AffinePoint): void {
    this.writeField(slot, point.x);
    this.writeField(slot + 32, point.y);
    this.copyField(slot + 64, MEMORY.constants.one);
  }

  setInfinity(slot: number): void {
    this.bytes.fill(0, slot, slot + POINT_BYTES);
    this.copyField(slot + 32, MEMORY.constants.one);
  }

  /** (X/Z, Y/Z) for projective or (X/Z², Y/Z³) for Jacobian coordinates; undefined at infinity. */
  toAffine(slot: number, jacobian: boolean): { zInverse: number } | undefined {
    if (this.w.isZero(slot + 64)) return undefined;
    const [zi, zi2] = FIELD_TEMP;
    this.w.inv(zi, slot + 64);
    if (jacobian) {
      this.w.sqr(zi2, zi);
      this.w.mul(slot, slot, zi2);
      this.w.mul(zi2, zi2, zi);
      this.w.mul(slot + 32, slot + 32, zi2);
    } else {
      this.w.mul(slot, slot, zi);
      this.w.mul(slot + 32, slot + 32, zi);
    }
    this.copyField(slot + 64, MEMORY.constants.one);
    return { zInverse: zi };
  }

  /** Table entry j of window i is j·16^i·G with Z = 1 (entry 0 is the point at infinity). */
  ensureBaseTable(): void {
    if (this.#baseTableReady) return;
    const w = this.w;
    this.writeAffine(SLOT.base, { x: SM2_CURVE.Gx, y: SM2_CURVE.Gy });
    for (let i = 0; i < BASE_TABLE_WINDOWS; i++) {
      const window = MEMORY.baseTable + i * WINDOW_STRIDE;
      this.setInfinity(window);
      this.bytes.copyWithin(window + POINT_BYTES, SLOT.base, SLOT.base + POINT_BYTES);
      for (let j = 2; j < BASE_TABLE_ENTRIES; j++) {
        w.completeAdd(window + j * POINT_BYTES, window + (j - 1) * POINT_BYTES, SLOT.base);
      }
      this.normalizeWindow(window);
      for (let d = 0; d < 4; d++) w.completeDouble(SLOT.base, SLOT.base);
    }
    this.#baseTableReady = true;
  }

  /** Entries 1..15 of a window to Z = 1 with one inversion (Montgomery's simultaneous inversion). */
  normalizeWindow(window: number): void {
    const w = this.w;
    const prefix = (j: number): number => SLOT.pointTable + 32 * j; // scratch: 16 × 32 bytes
    const z = (j: number): number => window + j * POINT_BYTES + 64;
    this.copyField(prefix(1), z(1));
    for (let j = 2; j < BASE_TABLE_ENTRIES; j++) w.mul(prefix(j), prefix(j - 1), z(j));
    const [inverse, zi] = FIELD_TEMP;
    w.inv(inverse, prefix(BASE_TABLE_ENTRIES - 1));
    for (let j = BASE_TABLE_ENTRIES - 1; j >= 1; j--) {
      if (j > 1) w.mul(zi, inverse, prefix(j - 1));
      else this.copyField(zi, inverse);
      w.mul(inverse, inverse, z(j));
      const entry = window + j * POINT_BYTES;
      w.mul(entry, entry, zi);
      w.mul(entry + 32, entry + 32, zi);
      this.copyField(entry + 64, MEMORY.constants.one);
    }
  }

  /** 04 ‖ x ‖ y of k·G, k given as 32 big-endian bytes in [1, n-1]. */
  multiplyBase(scalar: Uint8Array): Uint8Array {
    this.ensureBaseTable();
    const w = this.w;
    this.setInfinity(SLOT.accumulator);
    for (let i = 0; i < BASE_TABLE_WINDOWS; i++) {
      const nibble = (scalar[31 - (i >> 1)]! >> ((i & 1) * 4)) & 15;
      w.selectPoint(SLOT.entry, MEMORY.baseTable + i * WINDOW_STRIDE, BASE_TABLE_ENTRIES, nibble);
      w.completeAdd(SLOT.accumulator, SLOT.accumulator, SLOT.entry);
    }
    return this.secretResult();
  }

  /** 04 ‖ x ‖ y of k·P, k as 32 big-endian bytes in [1, n-1], P a point on the curve. */
  multiplyPoint(scalar: Uint8Array, point: AffinePoint): Uint8Array {
    const w = this.w;
    const table = SLOT.pointTable;
    this.setInfinity(table);
    this.writeAffine(table + POINT_BYTES, point);
    for (let j = 2; j < 16; j++) w.completeAdd(table + j * POINT_BYTES, table + (j - 1) * POINT_BYTES, table + POINT_BYTES);
    this.setInfinity(SLOT.accumulator);
    for (let i = 63; i >= 0; i--) {
      if (i < 63) for (let d = 0; d < 4; d++) w.completeDouble(SLOT.accumulator, SLOT.accumulator);
      const nibble = (scalar[31 - (i >> 1)]! >> ((i & 1) * 4)) & 15;
      w.selectPoint(SLOT.entry, table, 16, nibble);
      w.completeAdd(SLOT.accumulator, SLOT.accumulator, SLOT.entry);
    }
    return this.secretResult();
  }

  /**
   * The accumulator as 04 ‖ x ‖ y, then the intermediate points of a secret multiplication wiped
   * from the module's memory (decryption's d·C1 is the shared secret itself).
   */
  secretResult(): Uint8Array {
    try {
      return this.affineBytes(SLOT.accumulator, false);
    } finally {
      this.bytes.fill(0, MEMORY.scratch, MEMORY.scratchEnd);
      this.bytes.fill(0, MEMORY.inversionPowers, MEMORY.inversionPowersEnd);
      this.bytes.fill(0, MEMORY.slots, SLOTS_END);
    }
  }

  affineBytes(slot: number, jacobian: boolean): Uint8Array {
    const out = new Uint8Array(65);
    if (!this.toAffine(slot, jacobian)) throw new Error('sm2 point engine: result is the point at infinity');
    out[0] = 0x04;
    this.readFieldBytes(slot, out, 1);
    this.readFieldBytes(slot + 32, out, 33);
    return out;
  }

  /**
   * Jacobian `to = a + b` with the exceptional cases handled (a or b at infinity, a = b, a = -b).
   * `mixed`: b has Z = 1. Returns false when the sum is the point at infinity.
   */
  addChecked(to: number, a: number, aInfinite: boolean, b: number, bInfinite: boolean, mixed: boolean): boolean {
    if (aInfinite && bInfinite) return false;
    if (aInfinite || bInfinite) {
      this.bytes.copyWithin(to, aInfinite ? b : a, (aInfinite ? b : a) + POINT_BYTES);
      return true;
    }
    if (mixed) this.w.jacobianMixedAdd(to, a, b);
    else this.w.jacobianAdd(to, a, b);
    const h = mixed ? this.checks.mixedH : this.checks.addH;
    if (!this.w.isZero(h)) return true;
    if (!this.w.isZero(mixed ? this.checks.mixedR : this.checks.addR)) return false; // a = -b
    this.w.jacobianDouble(to, a);
    return true;
  }

  /** The affine x of s·G + t·P (undefined at infinity), s and t public. */
  verifyCombination(s: bigint, t: bigint, point: AffinePoint): bigint | undefined {
    const sum = this.combine(s, t, point);
    if (sum === undefined || !this.toAffine(sum, true)) return undefined;
    return this.readField(sum);
  }

  /**
   * Whether s·G + t·P has an x with x ≡ c (mod n), without an inversion: with Jacobian X/Z² and
   * x < p < 2n, that means X = c·Z² or X = (c + n)·Z² (the latter only when c + n < p).
   */
  combinationXMatches(s: bigint, t: bigint, point: AffinePoint, c: bigint): boolean {
    const sum = this.combine(s, t, point);
    if (sum === undefined) return false;
    const [zz, candidate] = FIELD_TEMP;
    this.w.sqr(zz, sum + 64);
    for (const x of [c, c + SM2_CURVE.n]) {
      if (x >= P) break;
      this.writeField(candidate, x);
      this.w.mul(candidate, candidate, zz);
      if (this.fieldEqual(candidate, sum)) return true;
    }
    return false;
  }

  fieldEqual(a: number, b: number): boolean {
    return bytesEqual(this.bytes.subarray(a, a + 32), this.bytes.subarray(b, b + 32));
  }

  /** s·G + t·P in Jacobian coordinates; returns its slot, or undefined at infinity. */
  combine(s: bigint, t: bigint, point: AffinePoint): number | undefined {
    this.ensureBaseTable();
    const w = this.w;
    // ±(2j+1)·P for j = 0..7 at pointTable[2j] and pointTable[2j+1].
    const table = SLOT.pointTable;
    const odd = (j: number): number => table + 2 * j * POINT_BYTES;
    this.writeAffine(odd(0), point);
    w.jacobianDouble(SLOT.other, odd(0));
    for (let j = 1; j < 8; j++) {
      if (!this.addChecked(odd(j), odd(j - 1), false, SLOT.other, false, false))
        throw new Error('sm2 point engine: small multiple at infinity');
    }
    for (let j = 0; j < 8; j++) {
      const negative = odd(j) + POINT_BYTES;
      this.bytes.copyWithin(negative, odd(j), odd(j) + POINT_BYTES);
      w.sub(negative + 32, MEMORY.constants.zero, odd(j) + 32);
    }
    // t·P by a width-5 NAF, most significant digit first, ping-ponging between two slots.
    const digits = nafDigits(t);
    let acc: number = SLOT.accumulator;
    let spare: number = SLOT.other;
    let infinite = true;
    for (let i = digits.length - 1; i >= 0; i--) {
      if (!infinite) w.jacobianDouble(acc, acc);
      const d = digits[i]!;
      if (d === 0) continue;
      const entry = d > 0 ? odd((d - 1) >> 1) : odd((-d - 1) >> 1) + POINT_BYTES;
      infinite = !this.addChecked(spare, acc, infinite, entry, false, false);
      [acc, spare] = [spare, acc];
    }
    // s·G from the fixed table: the entries are already scaled, so no doublings.
    let sum: number = SLOT.sumG;
    let sumSpare: number = SLOT.sumGOther;
    let sumInfinite = true;
    for (let i = 0; i < BASE_TABLE_WINDOWS; i++) {
      const nibble = Number((s >> BigInt(4 * i)) & 15n);
      if (nibble === 0) continue;
      const entry = MEMORY.baseTable + i * WINDOW_STRIDE + nibble * POINT_BYTES;
      sumInfinite = !this.addChecked(sumSpare, sum, sumInfinite, entry, false, true);
      [sum, sumSpare] = [sumSpare, sum];
    }
    if (!this.addChecked(spare, acc, infinite, sum, sumInfinite, false)) return undefined;
    return spare;
  }
}

/** Width-5 non-adjacent form: odd digits in [-15, 15], least significant first. */
function nafDigits(k: bigint): number[] {
  const digits: number[] = [];
  let v = k;
  while (v > 0n) {
    let d = 0;
    if (v & 1n) {
      d = Number(v & 31n);
      if (d >= 16) d -= 32;
      v -= BigInt(d);
    }
    digits.push(d);
    v >>= 1n;
  }
  return digits;
}

let engine: Engine | undefined;
function sm2Engine(): Engine {
  engine ??= new Engine();
  return engine;
}

/** k·G as 04 ‖ x ‖ y; k: 32 big-endian bytes, 1 ≤ k ≤ n-1 (checked by the caller). Constant-time. */
export function sm2MultiplyBase(scalar: Uint8Array): Uint8Array {
  return sm2Engine().multiplyBase(scalar);
}

/** k·P as 04 ‖ x ‖ y; k: 32 big-endian bytes, 1 ≤ k ≤ n-1; P on the curve. Constant-time. */
export function sm2MultiplyPoint(scalar: Uint8Array, point: AffinePoint): Uint8Array {
  return sm2Engine().multiplyPoint(scalar, point);
}

/** x of s·G + t·P, or undefined at infinity. For verification: s and t are public. */
export function sm2VerifyCombination(s: bigint, t: bigint, point: AffinePoint): bigint | undefined {
  return sm2Engine().verifyCombination(s, t, point);
}

/** Whether s·G + t·P is a finite point whose x ≡ c (mod n), c in [0, n-1]: the verification equation. */
export function sm2CombinationXMatches(s: bigint, t: bigint, point: AffinePoint, c: bigint): boolean {
  return sm2Engine().combinationXMatches(s, t, point, c);
}
