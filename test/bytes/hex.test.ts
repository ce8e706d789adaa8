import { describe, expect, it } from 'vitest';
import { fromHex, parseHex, toHex, toSpacedHex } from '../../src/bytes/hex.js';
import { InputError } from '../../src/errors.js';

describe('hex', () => {
  it('round-trips bytes as uppercase hex', () => {
    const b = Uint8Array.of(0x00, 0x0a, 0xff, 0x9f);
    expect(toHex(b)).toBe('000AFF9F');
    expect(fromHex('000aff9f')).toEqual(b);
    expect(toSpacedHex(b)).toBe('00 0A FF 9F');
  });
  it('tolerates spaces, colons, dashes and 0x from people', () => {
    expect(parseHex(' 00 a4:04-00 ')).toEqual(Uint8Array.of(0, 0xa4, 4, 0));
    expect(parseHex('0x9000')).toEqual(Uint8Array.of(0x90, 0));
  });
  it('is strict where it must be, naming the bad character and its position', () => {
    expect(() => fromHex('00 A45')).toThrow(/' ' at position 3/);
    expect(() => fromHex('ABC')).toThrow(InputError);
    expect(() => parseHex('00G0')).toThrow(/'G' at position 3/);
  });
});
