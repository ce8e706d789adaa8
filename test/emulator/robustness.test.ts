import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { SELECT_SSSE, testCard } from './card-helpers.js';

const INS = [0xa4, 0xb0, 0xd6, 0xb2, 0xdc, 0x20, 0x5e, 0x24, 0x84, 0x82, 0x88, 0xca, 0x1e, 0x18, 0x16, 0xc0];
const CLA = [0x00, 0x04, 0x80, 0x84, 0xff];

/** A well-formed short APDU for one of the emulator's commands, with arbitrary parameters. */
const apdu = fc
  .record({
    cla: fc.constantFrom(...CLA),
    ins: fc.constantFrom(...INS),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 40 }),
    le: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  })
  .map(({ cla, ins, p1, p2, data, le }) => {
    const out = [cla, ins, p1, p2];
    if (data.length > 0) out.push(data.length, ...data);
    if (le !== undefined) out.push(le);
    return Uint8Array.from(out);
  });

describe('robustness', () => {
  it('arbitrary bytes never throw and always end in a status word', () => {
    const { card } = testCard();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const response = card.transmit(bytes);
        expect(response.length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 500 },
    );
  });

  it('sequences of well-formed commands never hit an internal error (6F00) on either protocol', () => {
    for (const protocol of ['T=0', 'T=1'] as const) {
      fc.assert(
        fc.property(fc.array(apdu, { maxLength: 25 }), (commands) => {
          const { card, send, logger } = testCard({ protocol });
          send(SELECT_SSSE);
          for (const command of commands) {
            const response = toHex(card.transmit(command));
            expect(response.slice(-4), `${toHex(command)} → ${response}`).not.toBe('6F00');
          }
          expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
        }),
        { numRuns: 300 },
      );
    }
  });
});
