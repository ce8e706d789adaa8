// The one DOL codec the SDK and the emulator share (EMV Book 3 §5.4).
import { describe, expect, it } from 'vitest';
import { buildDolData, parseDol, splitDolData } from '../../src/bytes/dol.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { DecodeError } from '../../src/errors.js';

const values = (entries: Record<number, string>) => new Map(Object.entries(entries).map(([tag, hex]) => [Number(tag), fromHex(hex)]));

describe('DOL codec', () => {
  it('parses one- and two-byte tags with their lengths', () => {
    expect(parseDol(fromHex('9F02069A039F3704'))).toEqual([
      { tag: 0x9f02, length: 6 },
      { tag: 0x9a, length: 3 },
      { tag: 0x9f37, length: 4 },
    ]);
  });

  it('refuses a truncated tag, a missing length and an over-long tag, naming the offset', () => {
    expect(() => parseDol(fromHex('9F02069F'), 'CDOL1')).toThrow(new DecodeError('CDOL1', 3, 'tag truncated'));
    expect(() => parseDol(fromHex('9A'), 'PDOL')).toThrow(new DecodeError('PDOL', 0, 'length missing'));
    expect(() => parseDol(fromHex('9F8181818101'))).toThrow(new DecodeError('DOL', 0, 'tag longer than 4 bytes'));
  });

  it('a longer value keeps its rightmost bytes when numeric, its leftmost otherwise', () => {
    // 9F02 amount (n12) and 9A date (n6) are numeric; 9F4E merchant name (ans) and 9F37 (b) are not.
    const dol = parseDol(fromHex('9F02049A029F4E049F3702'));
    const data = buildDolData(dol, values({ 40706: '000000012345', 154: '240501', 40782: '414243444546', 40759: 'A1B2C3' }));
    expect(toHex(data)).toBe('00012345' + '0501' + '41424344' + 'A1B2');
  });

  it('a shorter value is padded with 00 on the left when numeric, on the right otherwise; a missing one is zeros', () => {
    const dol = parseDol(fromHex('9F02069F4E069F37045F2A02'));
    const data = buildDolData(dol, values({ 40706: '1234', 40782: '4142', 40759: 'A1' }));
    expect(toHex(data)).toBe('000000001234' + '414200000000' + 'A1000000' + '0000');
  });

  it('splits data back into values by tag, and refuses data shorter than the DOL', () => {
    const dol = parseDol(fromHex('9F02069A03'));
    const split = splitDolData(dol, fromHex('000000001000240501'));
    expect(toHex(split.get(0x9f02)!)).toBe('000000001000');
    expect(toHex(split.get(0x9a)!)).toBe('240501');
    expect(() => splitDolData(dol, fromHex('0000'), 'log record')).toThrow(new DecodeError('log record', 2, '2 bytes, the DOL needs 9'));
  });
});
