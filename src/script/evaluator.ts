import { concatBytes } from '../bytes/bytes.js';
import type { Expr } from './ast.js';
import { callFunction, type FunctionContext } from './functions.js';
import { ScriptRuntimeError, type SourceLocation } from './script-errors.js';
import { Literal, toBytes, type Value } from './value.js';

/** What expressions read: variables, the environment, the last response, the ATR. */
export interface EvaluationScope {
  vars: Map<string, Value>;
  env: Record<string, string | undefined>;
  /** The last R-APDU as received (data + SW); its data is viewed only when something reads it. */
  lastResponse: Uint8Array | undefined;
  lastDataView: Uint8Array | undefined;
  lastSw: number | undefined;
  atr: Uint8Array;
  now: () => Date;
  random: (length: number) => Uint8Array;
}

export function evaluate(expr: Expr, scope: EvaluationScope): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'variable': {
      const v = scope.vars.get(expr.name);
      if (v !== undefined) return v;
      const fromEnv = scope.env[expr.name];
      if (fromEnv !== undefined) return new Literal(fromEnv);
      throw new ScriptRuntimeError(
        `$${expr.name} is not set (set $${expr.name} = …, param $${expr.name} = …, or --param ${expr.name}=…)`,
        expr.loc,
      );
    }
    case 'builtin':
      return builtin(expr.name, scope, expr.loc);
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, scope));
      const ctx: FunctionContext = { loc: expr.loc, now: scope.now, random: scope.random, env: scope.env };
      return callFunction(expr.name, args, ctx);
    }
    case 'slice': {
      const bytes = toBytes(evaluate(expr.target, scope), 'slice', expr.loc);
      const n = bytes.length;
      const norm = (i: number): number => (i < 0 ? n + i : i);
      if (expr.single) {
        const i = norm(expr.start!);
        if (i < 0 || i >= n) throw new ScriptRuntimeError(`index [${expr.start}] is outside the ${n} byte(s) there`, expr.loc);
        return bytes.slice(i, i + 1);
      }
      const start = expr.start === undefined ? 0 : norm(expr.start);
      const end = expr.end === undefined ? n : norm(expr.end);
      if (start < 0 || end > n || start > end) {
        throw new ScriptRuntimeError(`slice [${expr.start ?? ''}:${expr.end ?? ''}] is outside the ${n} byte(s) there`, expr.loc);
      }
      return bytes.slice(start, end);
    }
    case 'concat':
      return concatBytes(...expr.parts.map((p) => toBytes(evaluate(p, scope), 'bytes', expr.loc)));
    case 'masked':
      throw new ScriptRuntimeError(
        `this command cannot be replayed: the recording masked ${expr.count} secret byte(s) (**); write the secret as a $variable in the script, record again, and replay with --param`,
        expr.loc,
      );
  }
}

function builtin(name: string, scope: EvaluationScope, loc: SourceLocation): Value {
  if (name === 'atr') return scope.atr;
  if (scope.lastSw === undefined) throw new ScriptRuntimeError(`${name}: no response yet (send a command first)`, loc);
  switch (name) {
    case 'resp':
      return responseData(scope);
    case 'sw':
      return new Uint8Array([scope.lastSw >> 8, scope.lastSw & 0xff]);
    case 'sw1':
      return new Uint8Array([scope.lastSw >> 8]);
    default:
      return new Uint8Array([scope.lastSw & 0xff]);
  }
}

export function evaluateBytes(expr: Expr, scope: EvaluationScope, what: string, loc: SourceLocation): Uint8Array {
  return toBytes(evaluate(expr, scope), what, loc);
}

/** Sets the last response without copying or viewing its data (the hot path does nothing more). */
export function setLastResponse(scope: EvaluationScope, response: Uint8Array, sw: number): void {
  scope.lastResponse = response;
  scope.lastDataView = undefined;
  scope.lastSw = sw;
}

/** Sets the last response from data and SW already apart (t0 auto mode). */
export function setLastData(scope: EvaluationScope, data: Uint8Array, sw: number): void {
  scope.lastResponse = undefined;
  scope.lastDataView = data;
  scope.lastSw = sw;
}

export function clearLastResponse(scope: EvaluationScope): void {
  scope.lastResponse = undefined;
  scope.lastDataView = undefined;
  scope.lastSw = undefined;
}

export function responseData(scope: EvaluationScope): Uint8Array {
  if (scope.lastDataView) return scope.lastDataView;
  const r = scope.lastResponse;
  if (!r) return new Uint8Array(0);
  // A plain view: TypedArray#subarray goes through the species lookup and costs more.
  scope.lastDataView = new Uint8Array(r.buffer, r.byteOffset, Math.max(0, r.length - 2));
  return scope.lastDataView;
}
