import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAtr, describeAtr } from '../../src/apdu/atr.js';
import { CommandApdu } from '../../src/apdu/command-apdu.js';
import { buildTlv, parseTlv, type TlvNode, toTlvNodes } from '../../src/bytes/tlv.js';
import { SscardError } from '../../src/errors.js';
import { parseScript } from '../../src/script/parser.js';

/**
 * Hostile input to every parser: random and mutated bytes/text. A parser either returns a value
 * or throws a typed SscardError (DecodeError, ApduFormatError, ScriptSyntaxError) with a message
 * — never a TypeError/RangeError, never a hang, never a stack overflow.
 */
function typedOrValue<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof SscardError)) throw new Error(`untyped ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.message).not.toMatch(/\n\s+at /);
    return undefined;
  }
}

/** Bytes mutated from a valid seed: flips, inserts, deletions, truncations. */
const mutated = (seed: Uint8Array) =>
  fc.array(fc.tuple(fc.nat(4), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    const b = Array.from(seed);
    for (const [kind, at0, value] of edits) {
      const at = b.length === 0 ? 0 : at0 % b.length;
      if (kind === 0) b[at] = value;
      else if (kind === 1) b.splice(at, 0, value);
      else if (kind === 2) b.splice(at, 1);
      else if (kind === 3) b.length = at;
      else b[at] = (b[at] ?? 0) ^ (1 << (value & 7));
    }
    return Uint8Array.from(b);
  });

const tlvTree: fc.Arbitrary<TlvNode[]> = fc.letrec((tie) => ({
  nodes: fc.array(tie('node') as fc.Arbitrary<TlvNode>, { maxLength: 4 }),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ tag: fc.constantFrom(0x5a, 0x50, 0x9f02, 0x5f20, 0x9f4d, 0x84, 0x88), value: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({ tag: fc.constantFrom(0x6f, 0xa5, 0x70, 0x77, 0xbf0c, 0x61), children: tie('nodes') as fc.Arbitrary<TlvNode[]> }),
  ),
})).nodes;

describe('TLV parser', () => {
  it('arbitrary bytes: a list of objects or a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => void typedOrValue(() => parseTlv(b))),
      { numRuns: 5000 },
    );
  });
  it('mutated valid TLV trees: typed errors only; unmutated ones round-trip', () => {
    fc.assert(
      fc.property(tlvTree, (nodes) => {
        const bytes = buildTlv(nodes);
        expect(buildTlv(toTlvNodes(parseTlv(bytes)))).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        tlvTree.chain((n) => mutated(buildTlv(n))),
        (b) => void typedOrValue(() => parseTlv(b)),
      ),
      { numRuns: 3000 },
    );
  });
  it('lengths that claim gigabytes and deep nesting are refused or parsed, without a crash', () => {
    typedOrValue(() => parseTlv(Uint8Array.of(0x5a, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00)));
    typedOrValue(() => parseTlv(Uint8Array.of(0x5a, 0x85, 1, 0, 0, 0, 0)));
    typedOrValue(() => parseTlv(Uint8Array.of(0x9f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00)));
    // 3,000 nested constructed objects, each length claiming the rest.
    let inner: Uint8Array = Uint8Array.of(0x5a, 0x00);
    for (let i = 0; i < 3000; i++) {
      const n = inner.length;
      inner = Uint8Array.of(0x70, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff, ...inner);
    }
    typedOrValue(() => parseTlv(inner));
  });
});

describe('APDU parser', () => {
  it('arbitrary bytes: a command or an ApduFormatError; a decoded command re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
        const apdu = typedOrValue(() => CommandApdu.decode(b));
        if (apdu !== undefined) expect(CommandApdu.decode(apdu.encode()).encode()).toEqual(apdu.encode());
      }),
      { numRuns: 5000 },
    );
  });
  it('headers with every length form (short, extended, inconsistent)', () => {
    const header = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));
    const lengths = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 });
    fc.assert(
      fc.property(header, lengths, fc.uint8Array({ maxLength: 300 }), ([cla, ins], lens, data) => {
        typedOrValue(() => CommandApdu.decode(Uint8Array.from([cla, ins, 0, 0, ...lens, ...data])));
        typedOrValue(() => CommandApdu.decode(Uint8Array.from([cla, ins, 0, 0, 0, ...lens, ...data])));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ATR parser', () => {
  const samples = ['3B6D0000008686053399110145A1B2C3D4', '3B8F8001804F0CA000000306030001000000006A', '3BFF1300FF8131FE45'];
  it('arbitrary and mutated ATRs: decoded (and describable) or a DecodeError', () => {
    const check = (b: Uint8Array) => {
      const atr = typedOrValue(() => decodeAtr(b));
      if (atr !== undefined) typedOrValue(() => describeAtr(atr));
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), check), { numRuns: 5000 });
    for (const s of samples) fc.assert(fc.property(mutated(Uint8Array.from(Buffer.from(s, 'hex'))), check), { numRuns: 2000 });
  });
});

describe('script parser', () => {
  const dir = fileURLToPath(new URL('../../apdu-scripts/examples', import.meta.url));
  const examples = readdirSync(dir)
    .filter((f) => f.endsWith('.script'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  it('random text: a script or a ScriptSyntaxError naming a line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => void typedOrValue(() => parseScript(s, 'fuzz.apdu'))),
      { numRuns: 3000 },
    );
  });
  it('mutated example scripts (lines dropped, duplicated, characters replaced)', () => {
    expect(examples.length).toBeGreaterThan(0);
    const mutation = fc.tuple(fc.nat(), fc.nat(), fc.nat(3), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 5 }), (source, edits) => {
        let s = source;
        for (const [a, b, kind, text] of edits) {
          const i = s.length === 0 ? 0 : a % s.length;
          const j = Math.min(s.length, i + (b % 20));
          if (kind === 0) s = s.slice(0, i) + text + s.slice(j);
          else if (kind === 1) s = s.slice(0, i) + s.slice(j);
          else if (kind === 2) s = s.slice(0, i) + s.slice(i, j).repeat(3) + s.slice(j);
          else s = s.slice(0, i);
        }
        typedOrValue(() => parseScript(s, 'fuzz.apdu'));
      }),
      { numRuns: 2000 },
    );
  });
});
