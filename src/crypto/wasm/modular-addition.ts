import { FunctionBody, I32, I64, Op, type WasmFunctionDefinition } from './wasm-assembler.js';

/**
 * Straight-line WebAssembly for addition and subtraction modulo a 256-bit modulus, on numbers
 * stored as eight little-endian 32-bit limbs (32 bytes, the number itself little-endian), each
 * limb held in an i64 so carries and borrows have room. Constant-time: no branch or address
 * depends on the values.
 */

export const LIMBS = 8;
export const MASK32 = 0xffffffffn;

export function limbsOf(value: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, i) => (value >> BigInt(32 * i)) & MASK32);
}

/** Loads the eight limbs at the address in parameter `pointer` into i64 locals. */
export function loadLimbs(f: FunctionBody, pointer: number, into: number[]): void {
  into.forEach((local, j) => {
    f.get(pointer)
      .memory(Op.i64Load32U, 4 * j)
      .set(local);
  });
}

export function newLocals(f: FunctionBody, count: number): number[] {
  return Array.from({ length: count }, () => f.local(I64));
}

/**
 * Writes `candidate - modulus` over `limbs` when that does not borrow past `top` (the bit above
 * the limbs), otherwise `limbs` itself: the last step of every reduction, without a branch.
 */
export function conditionalSubtract(f: FunctionBody, out: number, limbs: number[], top: number | undefined, m: bigint[]): void {
  const diff = newLocals(f, LIMBS);
  const d = f.local(I64);
  const borrow = f.local(I64);
  const keep = f.local(I64);
  limbs.forEach((limb, j) => {
    f.get(limb).i64(m[j]!).op(Op.i64Sub);
    if (j > 0) f.get(borrow).op(Op.i64Sub);
    f.tee(d).i64(MASK32).op(Op.i64And).set(diff[j]!);
    f.get(d).i64(63n).op(Op.i64ShrU).set(borrow);
  });
  // keep = all ones when (top - borrow) is negative, i.e. the value was already below the modulus.
  if (top === undefined) f.i64(0n);
  else f.get(top);
  f.get(borrow).op(Op.i64Sub).i64(63n).op(Op.i64ShrS).set(keep);
  limbs.forEach((limb, j) => {
    f.get(out);
    f.get(limb).get(keep).op(Op.i64And);
    f.get(diff[j]!).get(keep).i64(-1n).op(Op.i64Xor).op(Op.i64And);
    f.op(Op.i64Or).memory(Op.i64Store32, 4 * j);
  });
}

/** r = a + b mod m. Inputs below m; r may alias. */
export function modularAdd(exportName: string | undefined, modulus: bigint): WasmFunctionDefinition {
  const f = new FunctionBody([I32, I32, I32]);
  const [r, pa, pb] = [0, 1, 2];
  const a = newLocals(f, LIMBS);
  const b = newLocals(f, LIMBS);
  const carry = f.local(I64);
  const tmp = f.local(I64);
  loadLimbs(f, pa, a);
  loadLimbs(f, pb, b);
  for (let j = 0; j < LIMBS; j++) {
    f.get(a[j]!).get(b[j]!).op(Op.i64Add);
    if (j > 0) f.get(carry).op(Op.i64Add);
    f.tee(tmp).i64(MASK32).op(Op.i64And).set(a[j]!);
    f.get(tmp).i64(32n).op(Op.i64ShrU).set(carry);
  }
  conditionalSubtract(f, r, a, carry, limbsOf(modulus));
  return { exportName, results: [], body: f };
}

/** r = a - b mod m. Inputs below m; r may alias. */
export function modularSubtract(exportName: string | undefined, modulus: bigint): WasmFunctionDefinition {
  const f = new FunctionBody([I32, I32, I32]);
  const [r, pa, pb] = [0, 1, 2];
  const m = limbsOf(modulus);
  const a = newLocals(f, LIMBS);
  const b = newLocals(f, LIMBS);
  const borrow = f.local(I64);
  const mask = f.local(I64);
  const carry = f.local(I64);
  const tmp = f.local(I64);
  loadLimbs(f, pa, a);
  loadLimbs(f, pb, b);
  for (let j = 0; j < LIMBS; j++) {
    f.get(a[j]!).get(b[j]!).op(Op.i64Sub);
    if (j > 0) f.get(borrow).op(Op.i64Sub);
    f.tee(tmp).i64(MASK32).op(Op.i64And).set(a[j]!);
    f.get(tmp).i64(63n).op(Op.i64ShrU).set(borrow);
  }
  // Add the modulus back when the subtraction borrowed (mask = all ones), else add zero.
  f.i64(0n).get(borrow).op(Op.i64Sub).set(mask);
  for (let j = 0; j < LIMBS; j++) {
    f.get(r);
    f.get(a[j]!).i64(m[j]!).get(mask).op(Op.i64And).op(Op.i64Add);
    if (j > 0) f.get(carry).op(Op.i64Add);
    f.tee(tmp)
      .i64(MASK32)
      .op(Op.i64And)
      .memory(Op.i64Store32, 4 * j);
    if (j < LIMBS - 1) f.get(tmp).i64(32n).op(Op.i64ShrU).set(carry);
  }
  return { exportName, results: [], body: f };
}
