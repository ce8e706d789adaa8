import { randomBytes } from 'node:crypto';
import { parseYuan } from '../bytes/amount.js';
import { encodeBcdNumber, encodeCn } from '../bytes/bcd.js';
import { encodeBcdDate } from '../bytes/bcd-date.js';
import { concatBytes, uintToBytes, xorBytes } from '../bytes/bytes.js';
import { encodeAn, encodeGbk } from '../bytes/gbk.js';
import { parseTlv, tlvAtPath } from '../bytes/tlv.js';
import { SscardError } from '../errors.js';
import { CRYPTO_FUNCTIONS } from './crypto-functions.js';
import { ScriptRuntimeError, ScriptValueError, type SourceLocation } from './script-errors.js';
import { Literal, toBytes, toNumber, toText, type Value } from './value.js';

/** What a built-in function may use besides its arguments. */
export interface FunctionContext {
  loc: SourceLocation;
  now: () => Date;
  random: (length: number) => Uint8Array;
  env: Record<string, string | undefined>;
}

export interface ScriptFunction {
  /** Shown in the README's table and in "unknown function" messages. */
  signature: string;
  minArgs: number;
  maxArgs: number;
  call: (args: Value[], ctx: FunctionContext) => Value;
}

const registry = new Map<string, ScriptFunction>();

/** Adds functions (the crypto module registers its own); a name may be defined once. */
export function registerScriptFunctions(functions: Record<string, ScriptFunction>): void {
  for (const [name, fn] of Object.entries(functions)) registry.set(name, fn);
}

export function lookupFunction(name: string): ScriptFunction | undefined {
  return registry.get(name);
}

export function functionNames(): string[] {
  return [...registry.keys()].sort();
}

export function callFunction(name: string, args: Value[], ctx: FunctionContext): Value {
  const fn = registry.get(name);
  if (!fn) throw new ScriptRuntimeError(`unknown function ${name}()`, ctx.loc);
  if (args.length < fn.minArgs || args.length > fn.maxArgs) {
    throw new ScriptRuntimeError(`${fn.signature} takes ${arityText(fn)}, got ${args.length}`, ctx.loc);
  }
  try {
    return fn.call(args, ctx);
  } catch (error) {
    if (error instanceof ScriptRuntimeError || error instanceof ScriptValueError) throw error;
    if (error instanceof SscardError) throw new ScriptRuntimeError(`${name}(): ${error.message}`, ctx.loc);
    throw error;
  }
}

function arityText(fn: ScriptFunction): string {
  if (fn.minArgs === fn.maxArgs) return `${fn.minArgs} argument(s)`;
  return fn.maxArgs === Number.POSITIVE_INFINITY ? `at least ${fn.minArgs} argument(s)` : `${fn.minArgs} to ${fn.maxArgs} arguments`;
}

/** Helpers for function bodies: an argument as bytes / number / text, named in errors. */
export function argBytes(args: Value[], i: number, fn: string, ctx: FunctionContext): Uint8Array {
  return toBytes(args[i]!, `${fn}() argument ${i + 1}`, ctx.loc);
}
export function argNumber(args: Value[], i: number, fn: string, ctx: FunctionContext): number {
  return toNumber(args[i]!, `${fn}() argument ${i + 1}`, ctx.loc);
}
export function argText(args: Value[], i: number, fn: string, ctx: FunctionContext): string {
  return toText(args[i]!, `${fn}() argument ${i + 1}`, ctx.loc);
}

function fixed(n: number): Pick<ScriptFunction, 'minArgs' | 'maxArgs'> {
  return { minArgs: n, maxArgs: n };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** A whole number from `min` to `max`: anything else is refused, never wrapped or cut. */
function checkRange(value: number, fn: string, ctx: FunctionContext, what: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ScriptValueError(`${fn}(): ${what} ${value} is out of range ${min} to ${max}`, ctx.loc);
  }
  return value;
}

function argInRange(args: Value[], i: number, fn: string, ctx: FunctionContext, what: string, max: number, min = 0): number {
  return checkRange(argNumber(args, i, fn, ctx), fn, ctx, what, min, max);
}

/** An unsigned number that must fit in `bytes` bytes. */
function argUint(args: Value[], fn: string, ctx: FunctionContext, bytes: number): number {
  return argInRange(args, 0, fn, ctx, 'number', 256 ** bytes - 1);
}

/** A byte count (a field length, a number of random bytes): at most what an extended APDU carries. */
const MAX_BYTES = 65535;

/** Amount arguments: a number of fen (`1000`), or yuan as text with a point (`"10.00"`), at most `max` fen. */
function fenOf(args: Value[], fn: string, ctx: FunctionContext, max: number): number {
  const v = args[0]!;
  const fen = typeof v === 'string' && v.includes('.') ? parseYuan(v) : argNumber(args, 0, fn, ctx);
  return checkRange(fen, fn, ctx, 'amount in fen', 0, max);
}

registerScriptFunctions({
  concat: {
    signature: 'concat(a, b, …)',
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    call: (args, ctx) => concatBytes(...args.map((_, i) => argBytes(args, i, 'concat', ctx))),
  },
  xor: {
    signature: 'xor(a, b)',
    ...fixed(2),
    call: (args, ctx) => {
      const a = argBytes(args, 0, 'xor', ctx);
      const b = argBytes(args, 1, 'xor', ctx);
      if (a.length !== b.length) throw new ScriptRuntimeError(`xor(): lengths differ (${a.length} and ${b.length} bytes)`, ctx.loc);
      return xorBytes(a, b);
    },
  },
  not: {
    signature: 'not(a)',
    ...fixed(1),
    call: (args, ctx) => argBytes(args, 0, 'not', ctx).map((b) => ~b & 0xff),
  },
  len: { signature: 'len(a)', ...fixed(1), call: (args, ctx) => argBytes(args, 0, 'len', ctx).length },
  u8: { signature: 'u8(n)', ...fixed(1), call: (args, ctx) => uintToBytes(argUint(args, 'u8', ctx, 1), 1) },
  u16: { signature: 'u16(n)', ...fixed(1), call: (args, ctx) => uintToBytes(argUint(args, 'u16', ctx, 2), 2) },
  u32: { signature: 'u32(n)', ...fixed(1), call: (args, ctx) => uintToBytes(argUint(args, 'u32', ctx, 4), 4) },
  pad80: {
    signature: 'pad80(a, block)',
    ...fixed(2),
    call: (args, ctx) => {
      const data = argBytes(args, 0, 'pad80', ctx);
      const block = argInRange(args, 1, 'pad80', ctx, 'block size', 255, 1);
      const total = Math.ceil((data.length + 1) / block) * block;
      const out = new Uint8Array(total);
      out.set(data);
      out[data.length] = 0x80;
      return out;
    },
  },
  bcd: {
    signature: 'bcd(digits[, bytes])',
    minArgs: 1,
    maxArgs: 2,
    call: (args, ctx) => {
      const digits = argText(args, 0, 'bcd', ctx);
      const length = args.length > 1 ? argInRange(args, 1, 'bcd', ctx, 'length', MAX_BYTES) : Math.ceil(digits.length / 2);
      return encodeBcdNumber(digits, length, 'bcd()');
    },
  },
  cn: {
    signature: 'cn(digits, bytes)',
    ...fixed(2),
    call: (args, ctx) => encodeCn(argText(args, 0, 'cn', ctx), argInRange(args, 1, 'cn', ctx, 'length', MAX_BYTES), 'cn()'),
  },
  gbk: { signature: 'gbk("text")', ...fixed(1), call: (args, ctx) => encodeGbk(argText(args, 0, 'gbk', ctx)) },
  ascii: {
    signature: 'ascii("text")',
    ...fixed(1),
    call: (args, ctx) => {
      const text = argText(args, 0, 'ascii', ctx);
      if (!/^[\x20-\x7e]*$/.test(text)) throw new ScriptRuntimeError(`ascii(): "${text}" is not printable ASCII`, ctx.loc);
      return encodeGbk(text);
    },
  },
  an: {
    signature: 'an("text", bytes)',
    ...fixed(2),
    call: (args, ctx) => encodeAn(argText(args, 0, 'an', ctx), argInRange(args, 1, 'an', ctx, 'length', MAX_BYTES), 'an()'),
  },
  amount: {
    signature: 'amount(fen | "yuan")',
    ...fixed(1),
    call: (args, ctx) => uintToBytes(fenOf(args, 'amount', ctx, 0xffffffff), 4),
  },
  n12: {
    signature: 'n12(fen | "yuan")',
    ...fixed(1),
    call: (args, ctx) => encodeBcdNumber(fenOf(args, 'n12', ctx, 999_999_999_999), 6, 'n12()'),
  },
  date: {
    signature: 'date(["YYYY-MM-DD"])',
    minArgs: 0,
    maxArgs: 1,
    call: (args, ctx) => {
      if (args.length === 1) return encodeBcdDate(argText(args, 0, 'date', ctx));
      const d = ctx.now();
      return encodeBcdNumber(`${d.getFullYear()}${pad2(d.getMonth() + 1)}${pad2(d.getDate())}`, 4);
    },
  },
  time: {
    signature: 'time()',
    ...fixed(0),
    call: (_args, ctx) => {
      const d = ctx.now();
      return encodeBcdNumber(`${pad2(d.getHours())}${pad2(d.getMinutes())}${pad2(d.getSeconds())}`, 3);
    },
  },
  random: {
    signature: 'random(bytes)',
    ...fixed(1),
    call: (args, ctx) => ctx.random(argInRange(args, 0, 'random', ctx, 'length', MAX_BYTES)),
  },
  tlv: {
    signature: 'tlv(data, "6F/84")',
    ...fixed(2),
    call: (args, ctx) => {
      const data = argBytes(args, 0, 'tlv', ctx);
      const path = argText(args, 1, 'tlv', ctx).split('/').filter(Boolean);
      const hit = tlvAtPath(parseTlv(data), path);
      if (!hit) throw new ScriptRuntimeError(`tlv(): no object at ${path.join('/')}`, ctx.loc);
      return hit.value;
    },
  },
  env: {
    signature: 'env("NAME")',
    ...fixed(1),
    call: (args, ctx) => {
      const name = argText(args, 0, 'env', ctx);
      const v = ctx.env[name];
      if (v === undefined) throw new ScriptRuntimeError(`environment variable ${name} is not set`, ctx.loc);
      return new Literal(v);
    },
  },
});

registerScriptFunctions(CRYPTO_FUNCTIONS);

export function defaultRandom(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}
