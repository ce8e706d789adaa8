import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { parseFeatures } from '../../src/transport/pcsc/part10.js';

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
