import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/bytes/bytes.js';
import { sm2Wasm } from '../../src/crypto/wasm/sm2-wasm-module.js';
import { assembleModule, FunctionBody, I32, Op } from '../../src/crypto/wasm/wasm-assembler.js';
import { type FunctionCode, reachableFunctions, readWasmCode } from '../support/wasm-code.js';

/**
 * Source-level proof that the card side compares secrets in constant time: every comparison of
 * a PIN, MAC, cryptogram, TAC or PIN proof in emulator/ goes through constantTimeEqual, and the
 * few early-exit comparisons left compare public data (listed here with the reason).
 */
const EMULATOR = fileURLToPath(new URL('../../emulator', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(EMULATOR).map((path) => ({ path: relative(EMULATOR, path), text: readFileSync(path, 'utf8') }));

/** Early-exit comparisons that are allowed: none of them involves a secret. */
const PUBLIC_COMPARISONS: Record<string, string> = {
  'commands/select.ts': 'DF names (public, sent by the terminal in clear)',
  'applications/pboc/qpboc-purchase.ts': 'transaction currency code against the application currency (public)',
};

/** Where the card checks a secret, and must use constantTimeEqual. */
const SECRET_CHECKS = [
  'card-context.ts', // secure-messaging MAC of every MAC-protected command
  'pin-object.ts', // PIN comparison
  'commands/external-authenticate.ts', // key cryptogram
  'applications/pki/verify-pin-proof.ts', // PKI PIN proof
  'applications/purse/credit-for-load.ts', // MAC2
  'applications/purse/debit-for-purchase.ts', // MAC1
  'applications/medical/credit-for-load.ts', // medical load MAC2
  'applications/medical/debit-for-purchase.ts', // medical purchase MAC1
];

describe('card-side secret comparisons', () => {
  it('each place that checks a PIN, MAC, cryptogram or proof uses constantTimeEqual', () => {
    for (const file of SECRET_CHECKS) {
      const source = files.find((f) => f.path === file);
      expect(source, file).toBeDefined();
      expect(source!.text, file).toMatch(/constantTimeEqual\(/);
    }
  });

  it('no early-exit comparison of bytes anywhere else in the emulator', () => {
    const earlyExit = /bytesEqual\(|\.equals\(|Buffer\.compare\(|timingSafeEqual/;
    const offenders = files.filter((f) => earlyExit.test(f.text) && !(f.path in PUBLIC_COMPARISONS)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('no secret is compared as a string (hex or digits) with === / !==', () => {
    const stringCompare =
      /\b\w*(mac|cryptogram|pin|proof|tac|key)\w*(Hex|Digits|String)?\s*[!=]==\s*\w*(mac|cryptogram|pin|proof|tac|key)\w*(Hex|Digits|String)\b/i;
    const offenders = files.flatMap((f) =>
      f.text
        .split('\n')
        .map((line, i) => ({ line, where: `${f.path}:${i + 1}` }))
        .filter(({ line }) => stringCompare.test(line) && !/\.(id|usage|algorithm|length|kind)\b/.test(line))
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('constantTimeEqual has no data-dependent exit: it always walks the longer input', () => {
    // Behaviour: equal/unequal/different lengths; structure: one loop, no return inside it.
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    const body = constantTimeEqual.toString();
    const loops = body.split('\n').filter((l) => /\bfor\b/.test(l));
    expect(loops).toHaveLength(1);
    expect(loops[0]).not.toMatch(/\b(return|break|if)\b/);
    expect(body.match(/\breturn\b/g)).toHaveLength(1);
  });
});

/** Instructions whose path depends on a value: none may run on a secret. (select picks a value, not a path.) */
const BRANCHES = ['br_if', 'if', 'loop', 'br_table'];

/** Branches in a function or anything it calls, as "function: instruction". */
function branchesReachableFrom(functions: FunctionCode[], f: FunctionCode): string[] {
  return reachableFunctions(functions, f.index).flatMap((g) => [
    ...g.controlFlow.filter((op) => BRANCHES.includes(op)).map((op) => `${g.exportName ?? `function ${g.index}`}: ${op}`),
    ...(g.indirectCalls > 0 ? [`${g.exportName ?? `function ${g.index}`}: call_indirect`] : []),
  ]);
}

describe('the SM2 WebAssembly module, read from the bytes it was compiled from', () => {
  const functions = readWasmCode(sm2Wasm().moduleBytes);
  const exported = (name: string) => {
    const f = functions.find((g) => g.exportName === name);
    expect(f, name).toBeDefined();
    return f!;
  };
  /** Every export that computes on secret scalars or coordinates (signing, key generation, decryption). */
  const SECRET = ['mul', 'sqr', 'add', 'sub', 'inv', 'isZero', 'completeAdd', 'completeDouble', 'mulN', 'addN', 'subN', 'invN'];

  /** The other exports, and why they may branch. */
  const NOT_SECRET: Record<string, string> = {
    jacobianDouble: 'signature verification only: public scalars and points',
    jacobianAdd: 'signature verification only',
    jacobianMixedAdd: 'signature verification only',
    selectPoint: 'loops over the public entry count (checked below)',
  };

  it('every exported function is either checked here or listed with the reason it may branch', () => {
    const names = functions.flatMap((f) => (f.exportName === undefined ? [] : [f.exportName]));
    expect(names.filter((n) => !SECRET.includes(n) && !(n in NOT_SECRET))).toEqual([]);
  });

  it('no function that sees a secret, nor any function it calls, branches or loops', () => {
    expect(functions.length).toBeGreaterThan(SECRET.length);
    for (const name of SECRET) expect(branchesReachableFrom(functions, exported(name)), name).toEqual([]);
    // The formulas and inversions reach the field multiplication through calls: the walk is not trivial.
    expect(reachableFunctions(functions, exported('completeAdd').index).map((f) => f.exportName)).toEqual(
      expect.arrayContaining(['completeAdd', 'mul', 'add', 'sub']),
    );
    expect(reachableFunctions(functions, exported('invN').index).map((f) => f.exportName)).toContain('mulN');
  });

  it('the table lookup has one loop, bounded by the public entry count, and calls nothing', () => {
    // Which entry is kept is a mask, not a branch (a wrong mask picks a wrong point: the k·G tests).
    const select = exported('selectPoint');
    expect(select.controlFlow.sort()).toEqual(['block', 'br', 'br_if', 'loop']);
    expect(select.calls).toEqual([]);
  });

  it('the reader finds a branch two calls away from an exported function', () => {
    const leaf = new FunctionBody([I32]);
    leaf.begin(Op.block).get(0).branch(Op.brIf, 0).op(Op.end);
    const middle = new FunctionBody([I32]);
    middle.get(0).call(0);
    const top = new FunctionBody([I32]);
    top.get(0).call(1);
    const clean = new FunctionBody([I32]);
    clean.get(0).op(Op.drop);
    const module = assembleModule(
      [
        { results: [], body: leaf },
        { results: [], body: middle },
        { exportName: 'top', results: [], body: top },
        { exportName: 'clean', results: [], body: clean },
      ],
      1,
    );
    const code = readWasmCode(module);
    expect(branchesReachableFrom(code, code.find((f) => f.exportName === 'top')!)).toEqual(['function 0: br_if']);
    expect(branchesReachableFrom(code, code.find((f) => f.exportName === 'clean')!)).toEqual([]);
  });
});
