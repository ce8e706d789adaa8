// Arbitrary PKI commands (after the user PIN, so that the crypto paths run) never make the card answer 6F00.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { pinProof } from '../../src/crypto/index.js';
import { defaultCard } from './pki-test-helpers.js';

describe('PKI application robustness', () => {
  it('answers every command in the PKI ADF with a defined status word', async () => {
    const { card } = await defaultCard();
    const send = (bytes: Uint8Array) => {
      const r = card.transmit(bytes);
      return toHex(r.subarray(r.length - 2));
    };
    send(fromHex('00A404000C504B492EC9E7BBE1B1A3D5CF00'));
    send(fromHex('00A404000C53532E434552542E4144463100'));
    await fc.assert(
      fc.property(
        fc.constantFrom(0x00, 0x80),
        fc.constantFrom(0x20, 0x40, 0xe6, 0x2a, 0x84),
        fc.oneof(fc.constantFrom(0x00, 0x01, 0x80, 0x9e), fc.integer({ min: 0, max: 255 })),
        fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x80, 0x81, 0x82, 0x9e),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.boolean(),
        (cla, ins, p1, p2, data, withLe) => {
          const challenge = card.transmit(fromHex('0084000010')).subarray(0, 16);
          send(fromHex(`0020018110${toHex(pinProof('123456', challenge))}`));
          const apdu = [cla, ins, p1, p2, ...(data.length > 0 ? [data.length, ...data] : []), ...(withLe ? [0] : [])];
          const sw = send(Uint8Array.from(apdu));
          expect(sw).not.toBe('6F00');
        },
      ),
      { numRuns: 400 },
    );
  });
});
