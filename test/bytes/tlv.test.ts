import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { buildTlv, encodeTlv, findTlv, MAX_TLV_DEPTH, parseTlv, type TlvNode, tlvAtPath, toTlvNodes } from '../../src/bytes/tlv.js';
import { formatTlvTree } from '../../src/bytes/tlv-format.js';
import { DecodeError } from '../../src/errors.js';

const PPSE_FCI = '6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50424F43204445424954870101';

/** `depth` constructed 30 objects, each inside the one before, around one empty 04; each level's encoding, innermost first. */
function nested(depth: number): Uint8Array[] {
  const levels = [encodeTlv(0x04, new Uint8Array(0))];
  for (let d = 0; d < depth; d++) levels.push(encodeTlv(0x30, levels[levels.length - 1]!));
  return levels;
}

describe('BER-TLV parse', () => {
  it(`parses ${MAX_TLV_DEPTH} nested levels and refuses one more with a DecodeError naming the limit and the offset`, () => {
    const fits = nested(MAX_TLV_DEPTH - 1);
    expect(
      tlvAtPath(
        parseTlv(fits[fits.length - 1]!),
        Array(MAX_TLV_DEPTH - 1)
          .fill('30')
          .concat('04'),
      ),
    ).toBeDefined();
    const levels = nested(MAX_TLV_DEPTH);
    const all = levels[levels.length - 1]!;
    // The deepest constructed object, whose children would be level 65, starts this far in.
    const offset = all.length - levels[1]!.length;
    expect(() => parseTlv(all)).toThrow(new DecodeError('TLV', offset, `nesting deeper than ${MAX_TLV_DEPTH} levels`));
    expect(() => parseTlv(all)).toThrow(`TLV: nesting deeper than 64 levels at offset ${offset}`);
    // Not parsing children means no depth to check.
    expect(parseTlv(all, { recursive: false })).toHaveLength(1);
  });
  it('refuses 5000 nested levels (a hostile card) with a DecodeError, not a stack overflow', () => {
    const levels = nested(5000);
    expect(() => parseTlv(levels[levels.length - 1]!)).toThrow(DecodeError);
  });
  it('reads multi-byte tags (9F79, 5F20, DF8129)', () => {
    const objs = parseTlv(fromHex('9F7906000000012345' + '5F20044142432E' + 'DF8129020102'));
    expect(objs.map((o) => o.tagHex)).toEqual(['9F79', '5F20', 'DF8129']);
    expect(objs[2]!.tag).toBe(0xdf8129);
    expect(toHex(objs[0]!.value)).toBe('000000012345');
  });
  it('reads long lengths 81, 82, 83', () => {
    const v200 = new Uint8Array(200).fill(1);
    const v300 = new Uint8Array(300).fill(2);
    const v70000 = new Uint8Array(70000).fill(3);
    const bytes = Uint8Array.from([...encodeTlv(0x04, v200), ...encodeTlv(0x05, v300), ...encodeTlv(0x06, v70000)]);
    expect(toHex(bytes.subarray(0, 3))).toBe('0481C8');
    const objs = parseTlv(bytes);
    expect(objs.map((o) => o.value.length)).toEqual([200, 300, 70000]);
  });
  it('reads non-minimal lengths as what they say (81 08)', () => {
    const objs = parseTlv(fromHex('5A81081234567890123456'));
    expect(objs[0]!.value.length).toBe(8);
  });
  it('parses a nested PBOC FCI 6F > A5 > BF0C > 61', () => {
    const objs = parseTlv(fromHex(PPSE_FCI));
    expect(toHex(tlvAtPath(objs, ['6F', 'A5', 'BF0C', '61', '4F'])!.value)).toBe('A000000333010101');
    expect(findTlv(objs, 0x87)!.value[0]).toBe(1);
    const tree = formatTlvTree(objs);
    expect(tree).toContain('BF0C 1B  FCI Issuer Discretionary Data');
    expect(tree).toContain('"2PAY.SYS.DDF01"');
    expect(tree).toContain('"PBOC DEBIT"');
  });
  it('tolerates EMV 00/FF padding between, before and after objects', () => {
    const objs = parseTlv(fromHex('00009F360200FF00FF5A0112FFFF'));
    expect(objs.map((o) => o.tagHex)).toEqual(['9F36', '5A']);
  });
  it('rejects truncated and inconsistent input, naming the offset', () => {
    expect(() => parseTlv(fromHex('9F'))).toThrow(/tag truncated at offset 1/);
    expect(() => parseTlv(fromHex('5A'))).toThrow(/length of tag 5A missing at offset 1/);
    expect(() => parseTlv(fromHex('5A0512'))).toThrow(/needs 5 value bytes, 1 left at offset 0/);
    expect(() => parseTlv(fromHex('5A8201'))).toThrow(/length field truncated/);
    expect(() => parseTlv(fromHex('5A80'))).toThrow(/indefinite/);
    // A constructed object whose child runs past its parent: the offset is the child's, absolute.
    expect(() => parseTlv(fromHex('9F360100' + '6F03' + '840512'))).toThrow(/at offset 6/);
  });
});

const tagArb = fc.oneof(
  fc.integer({ min: 0x01, max: 0x1e }).map((t) => t | 0x40), // single byte, application class
  fc.integer({ min: 0x01, max: 0x7f }).map((t) => 0x9f00 | t),
  fc.integer({ min: 0x01, max: 0x7f }).map((t) => 0xdf8100 | t),
);
const nodeArb: fc.Arbitrary<TlvNode> = fc.letrec<{ node: TlvNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ tag: tagArb, value: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({
      tag: fc.constantFrom(0x6f, 0xa5, 0x70, 0x77, 0xbf0c, 0x61),
      children: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
})).node;

describe('BER-TLV properties', () => {
  it('parse ∘ build is identity on trees', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { maxLength: 5 }), (nodes) => {
        const bytes = buildTlv(nodes);
        const back = toTlvNodes(parseTlv(bytes, { allowPadding: false }));
        expect(buildTlv(back)).toEqual(bytes);
        expect(back).toEqual(nodes);
      }),
    );
  });
  it('random bytes never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseTlv(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
