// The generated WebAssembly arithmetic against a textbook BigInt reference (affine coordinates,
// double-and-add) written here and sharing nothing with the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SM2_CURVE } from '../../src/crypto/index.js';
import { sm2CombinationXMatches, sm2MultiplyBase, sm2MultiplyPoint, sm2VerifyCombination } from '../../src/crypto/sm2-point-engine.js';
import { sm2PrepareSigningScalars, sm2SignatureS } from '../../src/crypto/sm2-signing-scalars.js';
import { MEMORY, sm2Wasm } from '../../src/crypto/wasm/sm2-wasm-module.js';

const { p, n, a, Gx, Gy } = SM2_CURVE;
type Affine = { x: bigint; y: bigint } | null;
const mod = (v: bigint, m: bigint = p) => ((v % m) + m) % m;
function inverse(v: bigint, m: bigint = p): bigint {
  let [r0, r1, s0, s1] = [mod(v, m), m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function modPow(base: bigint, e: bigint): bigint {
  let [r, b2, k] = [1n, mod(base), e];
  for (; k > 0n; k >>= 1n, b2 = mod(b2 * b2)) if (k & 1n) r = mod(r * b2);
  return r;
}
function add(P: Affine, Q: Affine): Affine {
  if (!P) return Q;
  if (!Q) return P;
  if (P.x === Q.x && mod(P.y + Q.y) === 0n) return null;
  const l = P.x === Q.x ? mod((3n * P.x * P.x + a) * inverse(2n * P.y)) : mod((Q.y - P.y) * inverse(Q.x - P.x));
  const x = mod(l * l - P.x - Q.x);
  return { x, y: mod(l * (P.x - x) - P.y) };
}
function multiply(k: bigint, P: Affine): Affine {
  let result: Affine = null;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    result = add(result, result);
    if ((k >> BigInt(i)) & 1n) result = add(result, P);
  }
  return result;
}
const G = { x: Gx, y: Gy };
const be32 = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const encoded = (P: Affine) => (P ? `04${P.x.toString(16).padStart(64, '0')}${P.y.toString(16).padStart(64, '0')}` : 'infinity');
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

const scalar = fc.bigInt({ min: 1n, max: n - 1n });
const fieldElement = fc.oneof(
  fc.bigInt({ min: 0n, max: p - 1n }),
  fc.constantFrom(0n, 1n, 2n, p - 1n, p - 2n, 2n ** 224n, 2n ** 255n, 2n ** 32n - 1n),
);
// Scalars whose 4-bit windows hit the table's edges: all 0xF, single nibbles, n-1, n-2.
const edgeScalars = [1n, 2n, 15n, 16n, 17n, 255n, 256n, n - 1n, n - 2n, 2n ** 255n, (2n ** 252n - 1n) * 16n + 15n, n >> 1n];

// Numbers in the module's memory: eight little-endian 32-bit limbs, at three scratch slots.
const { exports: w } = sm2Wasm();
const view = new DataView(w.memory.buffer);
const put = (address: number, v: bigint) => {
  for (let i = 0; i < 8; i++) view.setUint32(address + 4 * i, Number((v >> BigInt(32 * i)) & 0xffffffffn), true);
};
const get = (address: number) => {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 32n) | BigInt(view.getUint32(address + 4 * i, true));
  return v;
};
const [A, B, R] = [MEMORY.slots, MEMORY.slots + 32, MEMORY.slots + 64];

describe('SM2 field arithmetic in WebAssembly', () => {
  it('multiplies, squares, adds, subtracts and inverts like BigInt modulo p', () => {
    fc.assert(
      fc.property(fieldElement, fieldElement, (x, y) => {
        put(A, x);
        put(B, y);
        w.mul(R, A, B);
        expect(get(R)).toBe(mod(x * y));
        w.sqr(R, A);
        expect(get(R)).toBe(mod(x * x));
        w.add(R, A, B);
        expect(get(R)).toBe(mod(x + y));
        w.sub(R, A, B);
        expect(get(R)).toBe(mod(x - y));
        w.inv(R, A);
        expect(get(R)).toBe(x === 0n ? 0n : inverse(x));
        w.mul(A, A, A); // the result may alias the inputs
        expect(get(A)).toBe(mod(x * x));
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Numbers built limb by limb from values that stress carries and borrows: all-ones limbs, a lone top
 * bit, 0, 1, and random limbs; then kept below the modulus (a number at or above it is folded down by
 * subtracting it, which leaves the low limbs as they were). With p − 1, p − 2, 2^256 − 2^224 … mixed in.
 */
function carryStressing(modulus: bigint, count: number): bigint[] {
  const limbChoices = [0n, 1n, 0xffffffffn, 0xfffffffen, 0x80000000n, 0x7fffffffn];
  const fold = (v: bigint) => (v >= modulus ? v - modulus : v);
  const out = [
    modulus - 1n,
    modulus - 2n,
    2n ** 256n - 1n,
    2n ** 256n - 2n ** 224n - 1n,
    2n ** 255n,
    2n ** 224n - 1n,
    2n ** 32n - 1n,
    1n,
    0n,
  ].map(fold);
  while (out.length < count) {
    let v = 0n;
    for (let limb = 0; limb < 8; limb++) {
      const choice = Math.floor(Math.random() * (limbChoices.length + 2));
      const value = choice < limbChoices.length ? limbChoices[choice]! : BigInt(Math.floor(Math.random() * 2 ** 32));
      v |= value << BigInt(32 * limb);
    }
    out.push(fold(v));
  }
  return out;
}

/** One module function against its BigInt meaning: binary (r, a, b) or unary (r, a). */
type Operation = [name: string, run: (r: number, a: number, b: number) => void, expected: (x: bigint, y: bigint) => bigint];

/** Runs each operation on pairs of carry-stressing values (the last, an inversion, on every tenth pair). */
function checkOnCarryStressingPairs(modulus: bigint, operations: Operation[]): void {
  const values = carryStressing(modulus, 3000);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const y = values[(i * 7 + 3) % values.length]!;
    put(A, x);
    put(B, y);
    operations.forEach(([name, run, expected], k) => {
      if (k === operations.length - 1 && i % 10 !== 0) return;
      run(R, A, B);
      const want = expected(x, y);
      if (get(R) !== want) expect(get(R), `${name}(${x.toString(16)}, ${y.toString(16)})`).toBe(want);
    });
  }
}

describe('SM2 field and mod-n arithmetic against BigInt on carry-stressing inputs', () => {
  it('mul, sqr, add, sub mod p on 3000 pairs, inv on 300 values', () => {
    checkOnCarryStressingPairs(p, [
      ['mul', (r, a, b) => w.mul(r, a, b), (x, y) => mod(x * y)],
      ['sqr', (r, a) => w.sqr(r, a), (x) => mod(x * x)],
      ['add', (r, a, b) => w.add(r, a, b), (x, y) => mod(x + y)],
      ['sub', (r, a, b) => w.sub(r, a, b), (x, y) => mod(x - y)],
      ['inv', (r, a) => w.inv(r, a), (x) => (x === 0n ? 0n : inverse(x))],
    ]);
  });

  it('mulN, addN, subN mod n on 3000 pairs, invN on 300 values', () => {
    const R256 = 2n ** 256n;
    checkOnCarryStressingPairs(n, [
      ['mulN', (r, a, b) => w.mulN(r, a, b), (x, y) => mod(x * y * inverse(R256, n), n)],
      ['addN', (r, a, b) => w.addN(r, a, b), (x, y) => mod(x + y, n)],
      ['subN', (r, a, b) => w.subN(r, a, b), (x, y) => mod(x - y, n)],
      ['invN', (r, a) => w.invN(r, a), (x) => (x === 0n ? 0n : mod(inverse(x, n) * R256 * R256, n))],
    ]);
  });
});

describe('SM2 arithmetic mod n in WebAssembly (signing)', () => {
  const R256 = 2n ** 256n;
  const residue = fc.oneof(fc.bigInt({ min: 0n, max: n - 1n }), fc.constantFrom(0n, 1n, n - 1n, n - 2n, 2n ** 255n));

  it('Montgomery multiplication, addition, subtraction and inversion match BigInt modulo n', () => {
    fc.assert(
      fc.property(residue, residue, (x, y) => {
        put(A, x);
        put(B, y);
        w.mulN(R, A, B);
        expect(get(R)).toBe(mod(x * y * inverse(R256, n), n));
        w.addN(R, A, B);
        expect(get(R)).toBe(mod(x + y, n));
        w.subN(R, A, B);
        expect(get(R)).toBe(mod(x - y, n));
        w.invN(R, A); // Montgomery domain: (xR)^-1 → x^-1·R, i.e. input xR gives (x^-1)R
        expect(get(R)).toBe(x === 0n ? 0n : mod(inverse(x, n) * R256 * R256, n));
      }),
      { numRuns: 1000 },
    );
  });

  it('s = (1 + d)^-1·(k − r·d) mod n, and no s when r + k = n or s = 0', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: n - 2n }), scalar, scalar, (d, k, r) => {
        const prepared = sm2PrepareSigningScalars(be32(d));
        const expected = mod(inverse(1n + d, n) * (k - r * d), n);
        const s = sm2SignatureS(prepared, be32(k), r);
        if (mod(r + k, n) === 0n || expected === 0n) expect(s).toBeUndefined();
        else expect(s).toBe(expected);
      }),
      { numRuns: 300 },
    );
    const d = 12345678901234567890n;
    const prepared = sm2PrepareSigningScalars(be32(d));
    expect(sm2SignatureS(prepared, be32(n - 77n), 77n)).toBeUndefined(); // r + k = n
    const r = 99n;
    expect(sm2SignatureS(prepared, be32(mod(r * d, n)), r)).toBeUndefined(); // k = r·d gives s = 0
  });
});

describe('SM2 scalar multiplication in WebAssembly', () => {
  it('k·G matches the reference for edge and random scalars', () => {
    for (const k of edgeScalars) expect(hex(sm2MultiplyBase(be32(k))), `k = ${k}`).toBe(encoded(multiply(k, G)));
    fc.assert(
      fc.property(scalar, (k) => hex(sm2MultiplyBase(be32(k))) === encoded(multiply(k, G))),
      { numRuns: 40 },
    );
  });

  it('k·P matches the reference for points other than G', () => {
    fc.assert(
      fc.property(scalar, scalar, (k, m) => {
        const P = multiply(m, G)!;
        expect(hex(sm2MultiplyPoint(be32(k), P))).toBe(encoded(multiply(k, P)));
      }),
      { numRuns: 30 },
    );
    const P = multiply(7n, G)!;
    for (const k of edgeScalars) expect(hex(sm2MultiplyPoint(be32(k), P)), `k = ${k}`).toBe(encoded(multiply(k, P)));
  });

  it('leaves no intermediate of a secret multiplication in the module memory', () => {
    const allZero = (from: number, to: number) => new Uint8Array(w.memory.buffer, from, to - from).every((b) => b === 0);
    const P = multiply(99n, G)!;
    for (const result of [sm2MultiplyPoint(be32(n - 12345n), P), sm2MultiplyBase(be32(n - 54321n))]) {
      expect(result[0]).toBe(0x04);
      expect(allZero(MEMORY.scratch, MEMORY.scratchEnd)).toBe(true);
      expect(allZero(MEMORY.inversionPowers, MEMORY.inversionPowersEnd)).toBe(true);
      expect(allZero(MEMORY.slots, MEMORY.scalars)).toBe(true);
    }
  });

  it('s·G + t·P matches the reference, including the sums that double or cancel', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, (s, t, m) => {
        const P = multiply(m, G)!;
        expect(sm2VerifyCombination(s, t, P)).toBe(add(multiply(s, G), multiply(t, P))?.x);
      }),
      { numRuns: 30 },
    );
    // P = G: s + t = n cancels to infinity; s = t doubles inside the final addition.
    expect(sm2VerifyCombination(5n, n - 5n, G)).toBeUndefined();
    expect(sm2VerifyCombination(123456789n, 123456789n, G)).toBe(multiply(246913578n, G)!.x);
    // P = 2G, s = 2t: equal halves again, through the NAF and the table.
    const twoG = multiply(2n, G)!;
    expect(sm2VerifyCombination(2n * 99991n, 99991n, twoG)).toBe(multiply(4n * 99991n, G)!.x);
    for (const s of edgeScalars) expect(sm2VerifyCombination(s, n - 1n, G), `s = ${s}`).toBe(add(multiply(s, G), multiply(n - 1n, G))?.x);
  });

  it('checks x ≡ c (mod n) without inverting Z, for x below n and for x in [n, p)', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, (s, t, m) => {
        const P = multiply(m, G)!;
        const x = add(multiply(s, G), multiply(t, P))!.x;
        expect(sm2CombinationXMatches(s, t, P, x % n)).toBe(true);
        expect(sm2CombinationXMatches(s, t, P, (x + 1n) % n)).toBe(false);
      }),
      { numRuns: 20 },
    );
    // A point whose x lies in [n, p) (about 2^-128 of them, so built from x rather than found):
    // 0·G + 1·Q = Q exercises the c + n branch.
    let x = n;
    let y: bigint | undefined;
    for (; y === undefined; x++) {
      const v = mod(x * x * x + a * x + SM2_CURVE.b);
      const root = modPow(v, (p + 1n) / 4n);
      if (mod(root * root) === v) y = root;
    }
    x--;
    const Q = { x, y };
    expect(sm2CombinationXMatches(0n, 1n, Q, x - n)).toBe(true);
    expect(sm2CombinationXMatches(0n, 1n, Q, x - n + 1n)).toBe(false);
    expect(sm2CombinationXMatches(5n, n - 5n, G, 0n)).toBe(false); // infinity matches nothing
  });
});
