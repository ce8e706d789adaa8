import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAtr, describeAtr, isContactlessAtr } from '../../src/apdu/atr.js';
import { fromHex } from '../../src/bytes/hex.js';
import { DecodeError } from '../../src/errors.js';

const atr = (hex: string) => decodeAtr(fromHex(hex.replace(/ /g, '')));

describe('decodeAtr', () => {
  it('decodes a minimal T=0 ATR: no interface bytes, no TCK', () => {
    const a = atr('3B 02 14 50');
    expect(a.convention).toBe('direct');
    expect(a.protocols).toEqual([0]);
    expect(a.interfaceBytes).toEqual([]);
    expect([...a.historicalBytes]).toEqual([0x14, 0x50]);
    expect(a.tck).toBeUndefined();
    expect(a.fi).toBe(372);
    expect(a.di).toBe(1);
    expect(a.kind).toBe('contact');
    expect(a.problems).toEqual([]);
  });

  it('walks the TA/TB/TC/TD chain of a T=1 card and checks TCK', () => {
    const a = atr('3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7');
    expect(a.interfaceBytes.map((b) => b.name)).toEqual(['TA1', 'TB1', 'TC1', 'TD1', 'TD2', 'TA3', 'TB3']);
    expect(a.fi).toBe(372);
    expect(a.di).toBe(4);
    expect(a.fMaxMhz).toBe(5);
    expect(a.protocols).toEqual([1]);
    expect(a.interfaceBytes.find((b) => b.name === 'TA3')?.meaning).toBe('T=1 IFSC=254 bytes');
    expect(a.interfaceBytes.find((b) => b.name === 'TB3')?.meaning).toBe('T=1 BWI=4, CWI=5');
    expect(a.historical.text).toBe('JCOPv241');
    expect(a.tck).toEqual({ value: 0xb7, valid: true });
    expect(a.kind).toBe('contact');
  });

  it('decodes the inverse convention and category-00 historical bytes', () => {
    const a = atr('3F 65 25 00 2C 09 69 90 00');
    expect(a.convention).toBe('inverse');
    expect(a.interfaceBytes.map((b) => b.name)).toEqual(['TB1', 'TC1']);
    expect(a.protocols).toEqual([0]);
    expect(a.historical.category).toBe(0x2c);
  });

  it('lists T=0 and T=1 when both are offered, and reads T=15 global bytes', () => {
    // TD1 = 80 (T=0, TD2 follows), TD2 = 11 (T=1, TA3), TA3 = FE, TD… none. TCK required.
    const body = [0x3b, 0x80, 0x80, 0x11, 0xfe];
    const withTck = [...body, body.slice(1).reduce((x, b) => x ^ b, 0)];
    const a = decodeAtr(new Uint8Array(withTck));
    expect(a.protocols).toEqual([0, 1]);
    expect(a.tck?.valid).toBe(true);
    // TD1 = 80 (T=0, TD2 follows), TD2 = 1F (T=15 global, TA3 follows), TA3 = 07: classes A, B, C.
    const g = [0x3b, 0x80, 0x80, 0x1f, 0x07];
    const d = decodeAtr(new Uint8Array([...g, g.slice(1).reduce((x, b) => x ^ b, 0)]));
    expect(d.protocols).toEqual([0]);
    expect(d.interfaceBytes.find((b) => b.name === 'TA3')?.meaning).toBe('clock stop not supported; class A (5 V), B (3 V), C (1.8 V)');
    expect(d.tck?.valid).toBe(true);
  });

  it('recognises the PC/SC synthesized ATR of a contactless storage card', () => {
    const a = atr('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A');
    expect(a.kind).toBe('contactless');
    expect(a.contactless).toEqual({
      form: 'storage',
      standard: { code: 3, name: 'ISO 14443 A part 3' },
      cardName: { code: 1, name: 'MIFARE Classic 1K' },
    });
    expect(a.protocols).toEqual([0, 1]);
    expect(a.tck?.valid).toBe(true);
    expect(describeAtr(a).join('\n')).toMatch(/contactless storage card .*MIFARE Classic 1K/);
  });

  it('recognises the synthesized ATR of an ISO 14443-4 card (historical bytes from the ATS)', () => {
    const a = atr('3B 88 80 01 E1 F3 5E 11 77 A1 A0 00 22');
    expect(a.kind).toBe('contactless');
    expect(a.contactless).toEqual({ form: 'iso14443-4' });
    expect(isContactlessAtr(a.bytes)).toBe(true);
    expect(isContactlessAtr(fromHex('3B021450'))).toBe(false);
  });

  it('flags a wrong TCK and trailing bytes without throwing', () => {
    const a = atr('3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6B');
    expect(a.tck).toEqual({ value: 0x6b, valid: false });
    expect(a.problems[0]).toMatch(/TCK 6B is wrong/);
    expect(atr('3B 02 14 50 99').problems[0]).toMatch(/1 byte\(s\) after the end/);
  });

  it('throws DecodeError naming the offset for bytes that are not an ATR', () => {
    expect(() => atr('3B')).toThrow(DecodeError);
    expect(() => atr('3A 00')).toThrow(/TS must be 3B .* or 3F/);
    expect(() => atr('3B F0 11')).toThrow(/TB1 announced but the ATR ends/);
    expect(() => atr('3B 05 01 02')).toThrow(/5 historical byte\(s\) but only 2/);
    expect(() => atr('3B 80 01')).toThrow(/TCK missing/);
  });

  it('never fails with anything but DecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        try {
          const a = decodeAtr(bytes);
          expect(describeAtr(a).length).toBeGreaterThan(3);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});
