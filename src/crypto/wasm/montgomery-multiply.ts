import { conditionalSubtract, LIMBS, limbsOf, loadLimbs, MASK32, newLocals } from './modular-addition.js';
import { FunctionBody, I32, I64, Op, type WasmFunctionDefinition } from './wasm-assembler.js';

/**
 * Montgomery multiplication r = a·b·2^-256 mod m for a general odd 256-bit modulus (used for the
 * group order n, which has no special form to exploit). CIOS order: each of the eight rounds adds
 * a_i·b and then one multiple of m that clears the lowest limb. Constant-time.
 */

/** -m^-1 mod 2^32, the factor that picks the multiple of m clearing a limb. */
export function montgomeryFactor(modulus: bigint): bigint {
  // Newton's iteration for the inverse modulo 2^32 (m is odd, so x = m is right to 3 bits).
  let x = modulus & MASK32;
  for (let i = 0; i < 5; i++) x = (x * (2n - ((modulus * x) & MASK32))) & MASK32;
  return (0x100000000n - x) & MASK32;
}

/** Inputs below m; r may alias a or b. */
export function montgomeryMultiply(exportName: string, modulus: bigint): WasmFunctionDefinition {
  const f = new FunctionBody([I32, I32, I32]);
  const m = limbsOf(modulus);
  const factor = montgomeryFactor(modulus);
  const a = newLocals(f, LIMBS);
  const b = newLocals(f, LIMBS);
  const t = newLocals(f, LIMBS + 2);
  const carry = f.local(I64);
  const tmp = f.local(I64);
  const q = f.local(I64);
  loadLimbs(f, 1, a);
  loadLimbs(f, 2, b);
  // Every step is t_j + x·y + carry ≤ (2^32-1) + (2^32-1)² + (2^32-1) < 2^64: no overflow.
  for (let i = 0; i < LIMBS; i++) {
    for (let j = 0; j < LIMBS; j++) {
      f.get(a[i]!).get(b[j]!).op(Op.i64Mul);
      if (i > 0) f.get(t[j]!).op(Op.i64Add);
      if (j > 0) f.get(carry).op(Op.i64Add);
      f.tee(tmp).i64(MASK32).op(Op.i64And).set(t[j]!);
      f.get(tmp).i64(32n).op(Op.i64ShrU).set(carry);
    }
    f.get(carry);
    if (i > 0) f.get(t[LIMBS]!).op(Op.i64Add);
    f.tee(tmp).i64(MASK32).op(Op.i64And).set(t[LIMBS]!);
    f.get(tmp)
      .i64(32n)
      .op(Op.i64ShrU)
      .set(t[LIMBS + 1]!);
    f.get(t[0]!).i64(factor).op(Op.i64Mul).i64(MASK32).op(Op.i64And).set(q);
    f.get(q).i64(m[0]!).op(Op.i64Mul).get(t[0]!).op(Op.i64Add).i64(32n).op(Op.i64ShrU).set(carry);
    for (let j = 1; j < LIMBS; j++) {
      f.get(q).i64(m[j]!).op(Op.i64Mul).get(t[j]!).op(Op.i64Add).get(carry).op(Op.i64Add);
      f.tee(tmp)
        .i64(MASK32)
        .op(Op.i64And)
        .set(t[j - 1]!);
      f.get(tmp).i64(32n).op(Op.i64ShrU).set(carry);
    }
    f.get(t[LIMBS]!)
      .get(carry)
      .op(Op.i64Add)
      .tee(tmp)
      .i64(MASK32)
      .op(Op.i64And)
      .set(t[LIMBS - 1]!);
    f.get(tmp)
      .i64(32n)
      .op(Op.i64ShrU)
      .get(t[LIMBS + 1]!)
      .op(Op.i64Add)
      .set(t[LIMBS]!);
  }
  conditionalSubtract(f, 0, t.slice(0, LIMBS), t[LIMBS], m);
  return { exportName, results: [], body: f };
}
