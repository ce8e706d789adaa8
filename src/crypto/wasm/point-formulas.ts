import { FunctionBody, I32, Op, type WasmFunctionDefinition } from './wasm-assembler.js';

/**
 * Curve formulas written as the papers print them, one field operation per line ("t3 = t3 - t4"),
 * and compiled to WebAssembly calls of the field functions. Points are three 32-byte coordinates
 * (96 bytes): X1/Y1/Z1 come from the first point argument, X2/Y2/Z2 from the second, X3/Y3/Z3 are
 * the result, written to the destination only at the end (so it may alias an input). Every other
 * name is a temporary in scratch memory.
 */

export interface FieldFunctions {
  multiply: number;
  square: number;
  add: number;
  subtract: number;
}

export interface FormulaLayout {
  /** Byte address of the scratch area (temporaries, 32 bytes each). */
  scratch: number;
  scratchBytes: number;
  /** Named field constants at fixed addresses, e.g. { b: 1536 }. */
  constants: Readonly<Record<string, number>>;
}

const COORDINATE = 32;
const INPUT_NAMES: Record<string, [param: number, offset: number]> = {
  X1: [1, 0],
  Y1: [1, 32],
  Z1: [1, 64],
  X2: [2, 0],
  Y2: [2, 32],
  Z2: [2, 64],
};
const OUTPUTS = ['X3', 'Y3', 'Z3'] as const;

type Address = { param: number; offset: number } | { absolute: number };

/**
 * Compiles `lines` to a function (destination, p1[, p2]) → void. `inputs` is 1 or 2 points.
 */
export function compileFormula(
  exportName: string | undefined,
  lines: readonly string[],
  inputs: 1 | 2,
  field: FieldFunctions,
  layout: FormulaLayout,
): WasmFunctionDefinition {
  const f = new FunctionBody(inputs === 2 ? [I32, I32, I32] : [I32, I32]);
  const temporaries = new Map<string, number>();
  const address = (name: string, writing: boolean): Address => {
    const input = INPUT_NAMES[name];
    if (input) {
      if (writing) throw new Error(`formula writes its input ${name}`);
      if (input[0] > inputs) throw new Error(`formula reads ${name} but takes ${inputs} point(s)`);
      return { param: input[0], offset: input[1] };
    }
    const constant = layout.constants[name];
    if (constant !== undefined) {
      if (writing) throw new Error(`formula writes the constant ${name}`);
      return { absolute: constant };
    }
    let slot = temporaries.get(name);
    if (slot === undefined) {
      if (!writing) throw new Error(`formula reads ${name} before writing it`);
      slot = layout.scratch + COORDINATE * temporaries.size;
      temporaries.set(name, slot);
    }
    return { absolute: slot };
  };
  const push = (a: Address): void => {
    if ('absolute' in a) f.i32(a.absolute);
    else if (a.offset === 0) f.get(a.param);
    else f.get(a.param).i32(a.offset).op(Op.i32Add);
  };
  for (const line of lines) {
    const m = /^(\w+) = (\w+) ([*+-]) (\w+)$/.exec(line.trim());
    if (!m) throw new Error(`cannot read formula line: ${line}`);
    const [, dst, a, op, b] = m as unknown as [string, string, string, string, string];
    // Sources first: a line may overwrite one of its own operands.
    const aAddress = address(a, false);
    const bAddress = address(b, false);
    push(address(dst, true));
    push(aAddress);
    if (op === '*' && a === b) {
      f.call(field.square);
      continue;
    }
    push(bAddress);
    f.call(op === '*' ? field.multiply : op === '+' ? field.add : field.subtract);
  }
  // Copy X3, Y3, Z3 to the destination, 8 bytes at a time.
  OUTPUTS.forEach((name, c) => {
    const slot = temporaries.get(name);
    if (slot === undefined) throw new Error(`formula never writes ${name}`);
    for (let w = 0; w < COORDINATE; w += 8) {
      f.get(0)
        .i32(slot + w)
        .memory(Op.i64Load, 0)
        .memory(Op.i64Store, COORDINATE * c + w);
    }
  });
  if (temporaries.size * COORDINATE > layout.scratchBytes) throw new Error('formula needs more scratch than reserved');
  return { exportName, results: [], body: f };
}

/** Lines of a formula written as text: one operation per line or separated by semicolons. */
function formula(text: string): readonly string[] {
  return text
    .split(/[;\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * Complete addition for a = -3 in homogeneous projective coordinates (Renes, Costello, Batina,
 * "Complete addition formulas for prime order elliptic curves", 2016, Algorithm 4): correct for
 * every pair of inputs, the point at infinity (0:1:0) and P + P included, so it has no branches.
 */
export const COMPLETE_ADD = formula(`
  t0 = X1 * X2;  t1 = Y1 * Y2;  t2 = Z1 * Z2
  t3 = X1 + Y1;  t4 = X2 + Y2;  t3 = t3 * t4
  t4 = t0 + t1;  t3 = t3 - t4;  t4 = Y1 + Z1
  X3 = Y2 + Z2;  t4 = t4 * X3;  X3 = t1 + t2
  t4 = t4 - X3;  X3 = X1 + Z1;  Y3 = X2 + Z2
  X3 = X3 * Y3;  Y3 = t0 + t2;  Y3 = X3 - Y3
  Z3 = b * t2;  X3 = Y3 - Z3;  Z3 = X3 + X3
  X3 = X3 + Z3;  Z3 = t1 - X3;  X3 = t1 + X3
  Y3 = b * Y3;  t1 = t2 + t2;  t2 = t1 + t2
  Y3 = Y3 - t2;  Y3 = Y3 - t0;  t1 = Y3 + Y3
  Y3 = t1 + Y3;  t1 = t0 + t0;  t0 = t1 + t0
  t0 = t0 - t2;  t1 = t4 * Y3;  t2 = t0 * Y3
  Y3 = X3 * Z3;  Y3 = Y3 + t2;  X3 = X3 * t3
  X3 = X3 - t1;  Z3 = Z3 * t4;  t1 = t3 * t0
  Z3 = Z3 + t1
`);

/** Exception-free doubling for a = -3, projective (same paper, Algorithm 6). */
export const COMPLETE_DOUBLE = formula(`
  t0 = X1 * X1;  t1 = Y1 * Y1;  t2 = Z1 * Z1
  t3 = X1 * Y1;  t3 = t3 + t3;  Z3 = X1 * Z1
  Z3 = Z3 + Z3;  Y3 = b * t2;  Y3 = Y3 - Z3
  X3 = Y3 + Y3;  Y3 = X3 + Y3;  X3 = t1 - Y3
  Y3 = t1 + Y3;  Y3 = X3 * Y3;  X3 = X3 * t3
  t3 = t2 + t2;  t2 = t2 + t3;  Z3 = b * Z3
  Z3 = Z3 - t2;  Z3 = Z3 - t0;  t3 = Z3 + Z3
  Z3 = Z3 + t3;  t3 = t0 + t0;  t0 = t3 + t0
  t0 = t0 - t2;  t0 = t0 * Z3;  Y3 = Y3 + t0
  t0 = Y1 * Z1;  t0 = t0 + t0;  Z3 = t0 * Z3
  X3 = X3 - Z3;  Z3 = t0 * t1;  Z3 = Z3 + Z3
  Z3 = Z3 + Z3
`);

/**
 * Jacobian doubling for a = -3 (Bernstein–Lange EFD "dbl-2001-b", 3M + 5S): the cheap doubling
 * for verification, where the inputs are public and variable time is fine. Not defined for Y = 0
 * (no such point on a prime-order curve) and keeps infinity (Z = 0) at infinity.
 */
export const JACOBIAN_DOUBLE = formula(`
  delta = Z1 * Z1;  gamma = Y1 * Y1;  beta = X1 * gamma;  u = X1 - delta
  v = X1 + delta;  alpha = u * v;  w = alpha + alpha;  alpha = w + alpha
  X3 = alpha * alpha;  b4 = beta + beta;  b4 = b4 + b4;  b8 = b4 + b4
  X3 = X3 - b8;  Z3 = Y1 + Z1;  Z3 = Z3 * Z3;  Z3 = Z3 - gamma
  Z3 = Z3 - delta;  u = b4 - X3;  Y3 = alpha * u;  g2 = gamma * gamma
  g2 = g2 + g2;  g2 = g2 + g2;  g2 = g2 + g2;  Y3 = Y3 - g2
`);

/**
 * Jacobian addition (EFD "add-2007-bl", 11M + 5S). Exceptional when H = 0 (equal x): the caller
 * reads H and R from scratch and doubles or returns infinity itself.
 */
export const JACOBIAN_ADD = formula(`
  Z1Z1 = Z1 * Z1;  Z2Z2 = Z2 * Z2;  U1 = X1 * Z2Z2;  U2 = X2 * Z1Z1
  S1 = Y1 * Z2;  S1 = S1 * Z2Z2;  S2 = Y2 * Z1;  S2 = S2 * Z1Z1
  H = U2 - U1;  R = S2 - S1;  I = H + H;  I = I * I
  J = H * I;  r = R + R;  V = U1 * I;  X3 = r * r
  X3 = X3 - J;  V2 = V + V;  X3 = X3 - V2;  Y3 = V - X3
  Y3 = r * Y3;  SJ = S1 * J;  SJ = SJ + SJ;  Y3 = Y3 - SJ
  Z3 = Z1 + Z2;  Z3 = Z3 * Z3;  Z3 = Z3 - Z1Z1;  Z3 = Z3 - Z2Z2
  Z3 = Z3 * H
`);

/** Jacobian + affine (Z2 = 1, EFD "madd-2007-bl", 7M + 4S); exceptional as JACOBIAN_ADD. */
export const JACOBIAN_MIXED_ADD = formula(`
  Z1Z1 = Z1 * Z1;  U2 = X2 * Z1Z1;  S2 = Y2 * Z1;  S2 = S2 * Z1Z1
  H = U2 - X1;  R = S2 - Y1;  HH = H * H;  I = HH + HH
  I = I + I;  J = H * I;  r = R + R;  V = X1 * I
  X3 = r * r;  X3 = X3 - J;  V2 = V + V;  X3 = X3 - V2
  Y3 = V - X3;  Y3 = r * Y3;  YJ = Y1 * J;  YJ = YJ + YJ
  Y3 = Y3 - YJ;  Z3 = Z1 + H;  Z3 = Z3 * Z3;  Z3 = Z3 - Z1Z1
  Z3 = Z3 - HH
`);

/** Scratch address of a temporary of a compiled formula (the verifier reads H and R after an addition). */
export function temporaryAddress(lines: readonly string[], name: string, layout: FormulaLayout): number {
  const order: string[] = [];
  for (const line of lines) {
    const dst = line.trim().split(' ')[0]!;
    if (!(dst in INPUT_NAMES) && !(dst in layout.constants) && !order.includes(dst)) order.push(dst);
  }
  const index = order.indexOf(name);
  if (index < 0) throw new Error(`formula has no temporary ${name}`);
  return layout.scratch + COORDINATE * index;
}
