import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { parseFeatures, pinVerifyStructure } from '../../src/transport/pcsc/part10.js';

describe('PC/SC part 10 GET_FEATURE_REQUEST', () => {
  it('reads each feature tag and its big-endian control code; VERIFY_PIN_DIRECT means a PIN pad', () => {
    const answer = new Uint8Array([
      0x06,
      0x04,
      0x42,
      0x33,
      0x00,
      0x06, // VERIFY_PIN_DIRECT
      0x07,
      0x04,
      0x42,
      0x33,
      0x00,
      0x07, // MODIFY_PIN_DIRECT
      0x12,
      0x04,
      0x42,
      0x33,
      0x00,
      0x12, // GET_TLV_PROPERTIES
      0x7e,
      0x04,
      0x00,
      0x00,
      0x00,
      0x01, // a tag sscard has no name for
    ]);
    const features = parseFeatures(answer);
    expect(features.codes).toEqual({ VERIFY_PIN_DIRECT: 0x42330006, MODIFY_PIN_DIRECT: 0x42330007, GET_TLV_PROPERTIES: 0x42330012 });
    expect(features.other).toEqual([{ tag: 0x7e, code: 1 }]);
    expect(features.pinPad).toBe(true);
  });

  it('an empty answer is a reader without features', () => {
    expect(parseFeatures(new Uint8Array(0))).toEqual({ codes: {}, other: [], pinPad: false });
  });

  it.each([
    [[0x06], /truncated tag/],
    [[0x06, 0x02, 0x00, 0x01], /length 2/],
    [[0x06, 0x04, 0x42, 0x33], /truncated control code/],
  ])('rejects %j', (bytes, message) => {
    expect(() => parseFeatures(new Uint8Array(bytes))).toThrow(DecodeError);
    expect(() => parseFeatures(new Uint8Array(bytes))).toThrow(message);
  });
});

describe('PIN_VERIFY_STRUCTURE for VERIFY_PIN_DIRECT', () => {
  it('lays out the CCID verify block (little-endian, packed) before the VERIFY command', () => {
    const verify = new Uint8Array([0x00, 0x20, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff]);
    const s = pinVerifyStructure(verify, { encoding: 'bcd', offset: 0, blockBytes: 3, minDigits: 4, maxDigits: 12 }, 30);
    expect(Buffer.from(s.subarray(0, 19)).toString('hex')).toBe(
      [
        '1e1e', // timeouts: 30 s
        '81', // bytes as units, PIN at offset 0, left-justified, BCD
        '03', // no length field, 3-byte block
        '00', // no PIN length format
        '0c04', // wPINMaxExtraDigit 0x040C: min 4, max 12
        '02', // validated by the OK key
        '01', // one message
        '0904', // wLangId 0x0409
        '00', // message index
        '000000', // T=1 prologue
        '08000000', // ulDataLength
      ].join(''),
    );
    expect(s.subarray(19)).toEqual(verify);
  });

  it('refuses a command without Lc and a PIN position beyond the field', () => {
    const format = { encoding: 'ascii' as const, offset: 0, blockBytes: 8, minDigits: 4, maxDigits: 8 };
    expect(() => pinVerifyStructure(new Uint8Array([0x00, 0x20, 0x00, 0x00]), format)).toThrow(DecodeError);
    expect(() => pinVerifyStructure(new Uint8Array(13), { ...format, offset: 16 })).toThrow(/0–15/);
  });
});
