import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApduFormatError } from '../../src/apdu/apdu-format-error.js';
import { CommandApdu } from '../../src/apdu/command-apdu.js';
import { ResponseApdu } from '../../src/apdu/response-apdu.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';

const hdr = { cla: 0x00, ins: 0xb2, p1: 0x01, p2: 0x2c };

describe('CommandApdu', () => {
  it('encodes the four short cases', () => {
    expect(toHex(new CommandApdu(hdr).encode())).toBe('00B2012C');
    expect(toHex(new CommandApdu({ ...hdr, le: 0x12 }).encode())).toBe('00B2012C12');
    expect(toHex(new CommandApdu({ ...hdr, data: fromHex('EF05') }).encode())).toBe('00B2012C02EF05');
    expect(toHex(new CommandApdu({ ...hdr, data: fromHex('EF05'), le: 256 }).encode())).toBe('00B2012C02EF0500');
  });
  it('keeps Le absent distinct from Le = 256 and 65536', () => {
    const absent = CommandApdu.decode(fromHex('00A4040002EF05'));
    const le256 = CommandApdu.decode(fromHex('00A4040002EF0500'));
    expect(absent.le).toBeUndefined();
    expect(absent.case).toBe(3);
    expect(le256.le).toBe(256);
    expect(le256.case).toBe(4);
    expect(CommandApdu.decode(fromHex('00B0000000')).le).toBe(256);
    expect(CommandApdu.decode(fromHex('00B00000000000')).le).toBe(65536);
    expect(toHex(new CommandApdu({ ...hdr, le: 65536 }).encode())).toBe('00B2012C000000');
  });
  it('encodes and decodes extended forms', () => {
    const data = new Uint8Array(300).fill(0xab);
    const c3 = new CommandApdu({ ...hdr, data });
    expect(toHex(c3.encode().subarray(0, 7))).toBe('00B2012C00012C');
    const c4 = new CommandApdu({ ...hdr, data, le: 1000 });
    const enc = c4.encode();
    expect(toHex(enc.subarray(enc.length - 2))).toBe('03E8');
    const back = CommandApdu.decode(enc);
    expect(back.extended).toBe(true);
    expect(back.le).toBe(1000);
    expect(back.data).toEqual(data);
    expect(new CommandApdu({ ...hdr, le: 10, extended: true }).encode().length).toBe(7);
  });
  it('rejects bad lengths with a message saying what is wrong', () => {
    expect(() => CommandApdu.decode(fromHex('00A404'))).toThrow(/at least the 4-byte header/);
    expect(() => CommandApdu.decode(fromHex('00A40400050102'))).toThrow(/Lc=5 but 2 bytes follow/);
    expect(() => CommandApdu.decode(fromHex('00A4040000'.concat('01')))).toThrow(ApduFormatError);
    expect(() => CommandApdu.decode(fromHex('00A40400000000'.concat('01')))).toThrow(/extended Lc of 0/);
    expect(() => new CommandApdu({ ...hdr, le: 0 })).toThrow(/Le must be 1..65536/);
    expect(() => new CommandApdu({ ...hdr, cla: 256 })).toThrow(/CLA must be a byte/);
  });
  it('decode ∘ encode is identity for every valid command', () => {
    const arb = fc.record({
      cla: fc.integer({ min: 0, max: 255 }),
      ins: fc.integer({ min: 0, max: 255 }),
      p1: fc.integer({ min: 0, max: 255 }),
      p2: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 600 }),
      le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      extended: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (f) => {
        const apdu = new CommandApdu(f);
        const back = CommandApdu.decode(apdu.encode());
        expect(back.encode()).toEqual(apdu.encode());
        expect({ ...back }).toEqual({ ...apdu, extended: apdu.extended });
      }),
      { numRuns: 2000 },
    );
  });
  it('random bytes never make the decoder throw anything but ApduFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          CommandApdu.decode(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ApduFormatError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('ResponseApdu', () => {
  it('splits data and SW and refuses answers without a status word', () => {
    const r = ResponseApdu.decode(fromHex('0102039000'));
    expect(toHex(r.data)).toBe('010203');
    expect(r.sw).toBe(0x9000);
    expect(r.ok).toBe(true);
    expect(r.encode()).toEqual(fromHex('0102039000'));
    expect(() => ResponseApdu.decode(Uint8Array.of(0x90))).toThrow(ApduFormatError);
  });
});
