import { conditionalSubtract, LIMBS, limbsOf, loadLimbs, MASK32, newLocals } from './modular-addition.js';
import { FunctionBody, I32, I64, Op, type WasmFunctionDefinition } from './wasm-assembler.js';

/**
 * Multiplication modulo the SM2 prime p = 2^256 − 2^224 − 2^96 + 2^64 − 1 with the special-form
 * (Solinas) reduction: since 2^256 ≡ 2^224 + 2^96 − 2^64 + 1 (mod p), each upper 32-bit word of
 * the 512-bit product folds onto the lower eight with small integer weights, so the reduction is
 * additions only — no second set of multiplications as in Montgomery's method. Constant-time.
 */

/** Weights w[k][j] with 2^(32k) ≡ Σ_j w[k][j]·2^(32j) (mod p), for the words k = 8..15 of a product. */
export function foldWeights(p: bigint): number[][] {
  const fold = (k: number): number[] => {
    if (k < 8) return Array.from({ length: 8 }, (_, j) => (j === k ? 1 : 0));
    const s = k - 8;
    const out = new Array<number>(8).fill(0);
    for (const [position, sign] of [
      [7 + s, 1],
      [3 + s, 1],
      [2 + s, -1],
      [s, 1],
    ] as const) {
      fold(position).forEach((c, j) => {
        out[j]! += sign * c;
      });
    }
    return out;
  };
  const weights = Array.from({ length: 8 }, (_, i) => fold(8 + i));
  // The identity the weights come from holds only for this p: check it rather than trust it.
  weights.forEach((w, i) => {
    const value = w.reduce((acc, c, j) => acc + BigInt(c) * (1n << BigInt(32 * j)), 0n);
    if ((value - (1n << BigInt(32 * (8 + i)))) % p !== 0n) throw new Error('SM2 fold weights do not match p');
  });
  return weights;
}

/** r = a·b mod p (or a² when `square`), inputs below p, r may alias. */
export function sm2FieldMultiply(exportName: string, p: bigint, square: boolean): WasmFunctionDefinition {
  const f = new FunctionBody(square ? [I32, I32] : [I32, I32, I32]);
  const r = 0;
  const a = newLocals(f, LIMBS);
  const b = square ? a : newLocals(f, LIMBS);
  const col = newLocals(f, 2 * LIMBS);
  const product = f.local(I64);
  const carry = f.local(I64);
  const word = newLocals(f, LIMBS);
  loadLimbs(f, 1, a);
  if (!square) {
    loadLimbs(f, 2, b);
  }
  // Columns without carrying: each holds at most 16 (doubled: 32) values below 2^32, so < 2^38.
  const accumulate = (k: number, doubled: boolean, part: 'low' | 'high'): void => {
    f.get(product);
    if (part === 'low') f.i64(MASK32).op(Op.i64And);
    else f.i64(32n).op(Op.i64ShrU);
    if (doubled) f.i64(1n).op(Op.i64Shl);
    f.get(col[k]!).op(Op.i64Add).set(col[k]!);
  };
  for (let i = 0; i < 8; i++) {
    for (let j = square ? i : 0; j < 8; j++) {
      f.get(a[i]!).get(b[j]!).op(Op.i64Mul).set(product);
      const doubled = square && i !== j;
      accumulate(i + j, doubled, 'low');
      accumulate(i + j + 1, doubled, 'high');
    }
  }
  // Fold columns 8..15 onto 0..7 with their weights, then carry (signed: weights can be negative).
  const weights = foldWeights(p);
  for (let j = 0; j < 8; j++) {
    f.get(col[j]!);
    for (let k = 0; k < 8; k++) {
      const w = weights[k]![j]!;
      if (w === 0) continue;
      f.get(col[8 + k]!);
      if (Math.abs(w) !== 1) f.i64(BigInt(Math.abs(w))).op(Op.i64Mul);
      f.op(w > 0 ? Op.i64Add : Op.i64Sub);
    }
    if (j > 0) f.get(carry).op(Op.i64Add);
    f.tee(product).i64(MASK32).op(Op.i64And).set(word[j]!);
    f.get(product).i64(32n).op(Op.i64ShrS).set(carry);
  }
  // Now value = words + carry·2^256 with |carry| < 2^12. Fold the carry twice: the first leaves a
  // carry in {-1, 0, 1}, the second none (the bounds are in the test of this file's output).
  for (let pass = 0; pass < 2; pass++) {
    const top = f.local(I64);
    f.get(carry).set(top);
    for (let j = 0; j < 8; j++) {
      f.get(word[j]!);
      if (j === 0 || j === 3 || j === 7) f.get(top).op(Op.i64Add);
      if (j === 2) f.get(top).op(Op.i64Sub);
      if (j > 0) f.get(carry).op(Op.i64Add);
      f.tee(product).i64(MASK32).op(Op.i64And).set(word[j]!);
      f.get(product).i64(32n).op(Op.i64ShrS).set(carry);
    }
  }
  // Below 2^256 < 2p: subtract p once if the value is not below it.
  conditionalSubtract(f, r, word, undefined, limbsOf(p));
  return { exportName, results: [], body: f };
}
