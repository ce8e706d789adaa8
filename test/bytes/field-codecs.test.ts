import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAmountFen, formatYuan, parseYuan } from '../../src/bytes/amount.js';
import { decodeBcdNumber, decodeCn, encodeBcdNumber, encodeCn } from '../../src/bytes/bcd.js';
import { decodeBcdDate, encodeBcdDate } from '../../src/bytes/bcd-date.js';
import { decodeAn, encodeAn } from '../../src/bytes/gbk.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { DecodeError, InputError } from '../../src/errors.js';

describe('cn (BCD, F-padded)', () => {
  it('encodes left-justified with F padding, as birthplace codes are stored', () => {
    expect(toHex(encodeCn('330300', 3))).toBe('330300');
    expect(toHex(encodeCn('12345', 4))).toBe('12345FFF');
    expect(decodeCn(fromHex('12345FFF'))).toBe('12345');
  });
  it('rejects non-digits, overflow, and nibbles A–E on decode', () => {
    expect(() => encodeCn('12a', 2)).toThrow(InputError);
    expect(() => encodeCn('12345', 2)).toThrow(/room for 4/);
    expect(() => decodeCn(fromHex('12A4'))).toThrow(DecodeError);
    expect(() => decodeCn(fromHex('1F34'))).toThrow(/digit after F padding/);
  });
  it('round-trips any digit string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,16}$/), (digits) => {
        expect(decodeCn(encodeCn(digits, 8))).toBe(digits);
      }),
    );
  });
});

describe('n (BCD numbers, zero-padded) and amounts', () => {
  it('encodes EMV n12 amounts', () => {
    expect(toHex(encodeBcdNumber(12345, 6))).toBe('000000012345');
    expect(decodeBcdNumber(fromHex('000000012345'))).toBe(12345);
  });
  it('formats fen as yuan and parses yuan exactly', () => {
    expect(formatYuan(0)).toBe('0.00');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(123456)).toBe('1234.56');
    expect(formatYuan(-250)).toBe('-2.50');
    expect(parseYuan('12.3')).toBe(1230);
    expect(parseYuan('0.07')).toBe(7);
    expect(parseYuan('1000')).toBe(100000);
    expect(() => parseYuan('1.234')).toThrow(InputError);
    expect(() => parseYuan('-1')).toThrow(InputError);
    expect(() => checkAmountFen(0)).toThrow(/positive whole number of fen/);
    expect(() => checkAmountFen(1.5)).toThrow(InputError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toBe(fen);
      }),
    );
  });
});

describe('dates', () => {
  it('encodes YYYYMMDD BCD and decodes to ISO', () => {
    expect(toHex(encodeBcdDate('2022-11-16'))).toBe('20221116');
    expect(decodeBcdDate(fromHex('20321116'))).toBe('2032-11-16');
    expect(() => encodeBcdDate('2023-02-29')).toThrow(InputError);
    expect(decodeBcdDate(fromHex('00000000'))).toBe('00000000');
  });
});

describe('an (GBK, 00-padded)', () => {
  it('encodes the SSSE DF name bytes exactly', () => {
    expect(toHex(encodeAn('社会保障', 8))).toBe('C9E7BBE1B1A3D5CF');
  });
  it('pads with 00 and trims 00 and spaces on read', () => {
    const bytes = encodeAn('张三', 30);
    expect(bytes.length).toBe(30);
    expect(toHex(bytes.subarray(0, 4))).toBe('D5C5C8FD');
    expect(bytes[29]).toBe(0);
    expect(decodeAn(bytes)).toBe('张三');
    expect(decodeAn(Uint8Array.of(0x41, 0x42, 0x20, 0x20))).toBe('AB');
  });
  it('reaches rare characters beyond GBK through GB18030, and refuses what cannot be encoded', () => {
    const rare = '𠀀'; // CJK Extension B
    expect(decodeAn(encodeAn(`王${rare}`, 20))).toBe(`王${rare}`);
    expect(() => encodeAn('张三张三张三', 4)).toThrow(/room for 4/);
  });
});
