import { CryptoError } from '../crypto-error.js';
import { SM2_CURVE } from '../sm2-curve.js';
import { LIMBS, modularAdd, modularSubtract } from './modular-addition.js';
import { montgomeryMultiply } from './montgomery-multiply.js';
import {
  COMPLETE_ADD,
  COMPLETE_DOUBLE,
  compileFormula,
  type FieldFunctions,
  type FormulaLayout,
  JACOBIAN_ADD,
  JACOBIAN_DOUBLE,
  JACOBIAN_MIXED_ADD,
  temporaryAddress,
} from './point-formulas.js';
import { sm2FieldMultiply } from './sm2-field-multiply.js';
import { assembleModule, FunctionBody, I32, I64, Op, type WasmFunctionDefinition } from './wasm-assembler.js';

/**
 * The SM2 field and point arithmetic, and signing's arithmetic mod n, as a WebAssembly module
 * generated at first use. Memory map (bytes): 0–1023 formula temporaries, 1024–1535 inversion
 * powers, 1536– constants, 2048–8191 the point engine's slots, 8192–16383 the signing scalars,
 * 65536– the fixed-base table of G.
 */
export const MEMORY = {
  scratch: 0,
  scratchEnd: 1024,
  inversionPowers: 1024,
  inversionPowersEnd: 1536,
  constants: { b: 1536, one: 1568, zero: 1600, nOne: 1632, nRSquared: 1664, plainOne: 1696 },
  slots: 2048,
  /** Signing's scalars mod n (sm2-signing-scalars.ts), apart from the point engine's slots. */
  scalars: 8192,
  slotsEnd: 16384,
  baseTable: 65536,
} as const;

export const POINT_BYTES = 96;
export const BASE_TABLE_WINDOWS = 64;
export const BASE_TABLE_ENTRIES = 16;
const MEMORY_PAGES = 1 + Math.ceil((BASE_TABLE_WINDOWS * BASE_TABLE_ENTRIES * POINT_BYTES) / 65536);

export interface Sm2WasmExports {
  memory: { buffer: ArrayBuffer };
  /** r = a·b mod p (all field elements are plain 256-bit numbers below p). */
  mul(r: number, a: number, b: number): void;
  sqr(r: number, a: number): void;
  add(r: number, a: number, b: number): void;
  sub(r: number, a: number, b: number): void;
  /** r = a^(p-2) = a^-1 (0 for 0). */
  inv(r: number, a: number): void;
  /** Montgomery multiplication mod n: r = a·b·2^-256 mod n. */
  mulN(r: number, a: number, b: number): void;
  addN(r: number, a: number, b: number): void;
  subN(r: number, a: number, b: number): void;
  /** r = a^(n-2) in the Montgomery domain: (xR)^-1 → x^-1·R. */
  invN(r: number, a: number): void;
  /** 1 when the 32 bytes at a are all zero. */
  isZero(a: number): number;
  completeAdd(r: number, p: number, q: number): void;
  completeDouble(r: number, p: number): void;
  jacobianDouble(r: number, p: number): void;
  jacobianAdd(r: number, p: number, q: number): void;
  jacobianMixedAdd(r: number, p: number, q: number): void;
  /** Constant-time: copies entry `index` of `count` 96-byte points at `table` to r, reading every entry. */
  selectPoint(r: number, table: number, count: number, index: number): void;
}

/** Where the exceptional-case values of the Jacobian additions are left (H and R of the formulas). */
export interface AdditionChecks {
  addH: number;
  addR: number;
  mixedH: number;
  mixedR: number;
}

/**
 * a^(m-2) = a^-1 mod a prime m, by 4-bit fixed windows: the exponent is public, so skipping zero
 * windows leaks nothing. `one` is the address of 1 in the representation `multiply` works in.
 */
function inversionFunction(
  exportName: string,
  multiply: number,
  square: number | undefined,
  modulus: bigint,
  one: number,
): WasmFunctionDefinition {
  const f = new FunctionBody([I32, I32]);
  const power = (i: number): number => MEMORY.inversionPowers + 32 * i;
  const result = f.local(I32);
  const squareInPlace = (): void => {
    if (square === undefined) f.get(result).get(result).get(result).call(multiply);
    else f.get(result).get(result).call(square);
  };
  f.i32(power(1)).get(1).i32(one).call(multiply); // a·1: a copy, so r may alias a
  for (let i = 2; i < 16; i++)
    f.i32(power(i))
      .i32(power(i - 1))
      .i32(power(1))
      .call(multiply);
  const exponent = modulus - 2n;
  f.get(0).set(result);
  let started = false;
  for (let shift = 252; shift >= 0; shift -= 4) {
    const nibble = Number((exponent >> BigInt(shift)) & 15n);
    if (started) for (let s = 0; s < 4; s++) squareInPlace();
    if (nibble === 0) continue;
    if (!started) {
      f.get(result).i32(power(nibble)).i32(one).call(multiply);
      started = true;
    } else {
      f.get(result).get(result).i32(power(nibble)).call(multiply);
    }
  }
  return { exportName, results: [], body: f };
}

function isZeroFunction(): WasmFunctionDefinition {
  const f = new FunctionBody([I32]);
  for (let w = 0; w < 4; w++) {
    f.get(0).memory(Op.i64Load, 8 * w);
    if (w > 0) f.op(Op.i64Or);
  }
  f.op(Op.i64Eqz);
  return { exportName: 'isZero', results: [I32], body: f };
}

function selectPointFunction(): WasmFunctionDefinition {
  const f = new FunctionBody([I32, I32, I32, I32]);
  const [r, table, count, index] = [0, 1, 2, 3];
  const words = POINT_BYTES / 8;
  const acc = Array.from({ length: words }, () => f.local(I64));
  const entry = f.local(I32);
  const mask = f.local(I64);
  const address = f.local(I32);
  f.get(table).set(address);
  f.begin(Op.block).begin(Op.loop);
  f.get(entry).get(count).op(Op.i32GeU).branch(Op.brIf, 1);
  // mask = all ones when entry == index: 0 - (entry == index), as i64
  f.i64(0n).get(entry).get(index).op(Op.i32Eq).op(Op.i64ExtendI32U).op(Op.i64Sub).set(mask);
  acc.forEach((local, w) => {
    f.get(address)
      .memory(Op.i64Load, 8 * w)
      .get(mask)
      .op(Op.i64And)
      .get(local)
      .op(Op.i64Or)
      .set(local);
  });
  f.get(address).i32(POINT_BYTES).op(Op.i32Add).set(address);
  f.get(entry).i32(1).op(Op.i32Add).set(entry);
  f.branch(Op.br, 0).op(Op.end).op(Op.end);
  acc.forEach((local, w) => {
    f.get(r)
      .get(local)
      .memory(Op.i64Store, 8 * w);
  });
  return { exportName: 'selectPoint', results: [], body: f };
}

const FORMULA_LAYOUT: FormulaLayout = {
  scratch: MEMORY.scratch,
  scratchBytes: MEMORY.scratchEnd - MEMORY.scratch,
  constants: { b: MEMORY.constants.b },
};

/** Every function of the module, in index order. */
function sm2WasmFunctions(): WasmFunctionDefinition[] {
  const p = SM2_CURVE.p;
  const n = SM2_CURVE.n;
  // Functions are called by index: each gets the index it is pushed at.
  const functions: WasmFunctionDefinition[] = [];
  const define = (definition: WasmFunctionDefinition): number => functions.push(definition) - 1;
  const field: FieldFunctions = {
    multiply: define(sm2FieldMultiply('mul', p, false)),
    square: define(sm2FieldMultiply('sqr', p, true)),
    add: define(modularAdd('add', p)),
    subtract: define(modularSubtract('sub', p)),
  };
  define(inversionFunction('inv', field.multiply, field.square, p, MEMORY.constants.one));
  define(isZeroFunction());
  define(compileFormula('completeAdd', COMPLETE_ADD, 2, field, FORMULA_LAYOUT));
  define(compileFormula('completeDouble', COMPLETE_DOUBLE, 1, field, FORMULA_LAYOUT));
  define(compileFormula('jacobianDouble', JACOBIAN_DOUBLE, 1, field, FORMULA_LAYOUT));
  define(compileFormula('jacobianAdd', JACOBIAN_ADD, 2, field, FORMULA_LAYOUT));
  define(compileFormula('jacobianMixedAdd', JACOBIAN_MIXED_ADD, 2, field, FORMULA_LAYOUT));
  define(selectPointFunction());
  const multiplyN = define(montgomeryMultiply('mulN', n));
  define(modularAdd('addN', n));
  define(modularSubtract('subN', n));
  define(inversionFunction('invN', multiplyN, undefined, n, MEMORY.constants.nOne));
  return functions;
}

// Node has WebAssembly as a global; @types/node does not declare it, and the DOM library is not ours to load.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** The module with views of its memory; numbers there are eight little-endian 32-bit limbs. */
export interface Sm2WasmInstance {
  exports: Sm2WasmExports;
  checks: AdditionChecks;
  /** The module's memory. */
  bytes: Uint8Array;
  /** The binary the module was compiled from (the constant-time test reads its code). */
  moduleBytes: Uint8Array;
  writeNumber(address: number, value: bigint): void;
  readNumber(address: number): bigint;
}

let instance: Sm2WasmInstance | undefined;

/** The instantiated module (generated and compiled once per process, about 10 ms). */
export function sm2Wasm(): Sm2WasmInstance {
  if (instance) return instance;
  if (webAssembly === undefined) {
    // node --jitless turns WebAssembly off; say so rather than fail with a TypeError.
    throw new CryptoError('sm2', 'SM2 needs WebAssembly, which this Node.js process has turned off (started with --jitless?)');
  }
  const n = SM2_CURVE.n;
  const moduleBytes = assembleModule(sm2WasmFunctions(), MEMORY_PAGES);
  const module = new webAssembly.Module(moduleBytes);
  const exports = new webAssembly.Instance(module, {}).exports as unknown as Sm2WasmExports;
  const view = new DataView(exports.memory.buffer);
  const writeNumber = (address: number, value: bigint): void => {
    for (let i = 0; i < LIMBS; i++) view.setUint32(address + 4 * i, Number((value >> BigInt(32 * i)) & 0xffffffffn), true);
  };
  const readNumber = (address: number): bigint => {
    let v = 0n;
    for (let i = LIMBS - 1; i >= 0; i--) v = (v << 32n) | BigInt(view.getUint32(address + 4 * i, true));
    return v;
  };
  writeNumber(MEMORY.constants.one, 1n);
  writeNumber(MEMORY.constants.b, SM2_CURVE.b);
  writeNumber(MEMORY.constants.zero, 0n);
  const R = 1n << 256n;
  writeNumber(MEMORY.constants.nOne, R % n);
  writeNumber(MEMORY.constants.nRSquared, (R * R) % n);
  writeNumber(MEMORY.constants.plainOne, 1n);
  instance = {
    exports,
    bytes: new Uint8Array(exports.memory.buffer),
    moduleBytes,
    writeNumber,
    readNumber,
    checks: {
      addH: temporaryAddress(JACOBIAN_ADD, 'H', FORMULA_LAYOUT),
      addR: temporaryAddress(JACOBIAN_ADD, 'R', FORMULA_LAYOUT),
      mixedH: temporaryAddress(JACOBIAN_MIXED_ADD, 'H', FORMULA_LAYOUT),
      mixedR: temporaryAddress(JACOBIAN_MIXED_ADD, 'R', FORMULA_LAYOUT),
    },
  };
  return instance;
}
