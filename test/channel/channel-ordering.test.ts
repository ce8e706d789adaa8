import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import type { CardTransport } from '../../src/transport/card-transport.js';

/**
 * A card that answers after a delay, like a reader: READ RECORD (B2) answers 6104 and its data
 * on GET RESPONSE, so an exchange has a follow-up another caller could slip in front of.
 * The card remembers the last SELECT, so an interleaved SELECT changes what READ BINARY reads.
 */
class SlowCard implements CardTransport {
  readonly name = 'slow';
  readonly sent: string[] = [];
  readonly events: string[] = [];
  private selected = '';
  async connect(): Promise<Uint8Array> {
    return fromHex('3B00');
  }
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const hex = toHex(command);
    this.sent.push(hex);
    await new Promise((r) => setTimeout(r, 2));
    const ins = command[1];
    if (ins === 0xa4) {
      this.selected = hex.slice(-4);
      return fromHex('9000');
    }
    if (ins === 0xb0) return fromHex(`${this.selected}9000`);
    if (ins === 0xb2) return fromHex('6104');
    if (ins === 0xc0) return fromHex(`${hex.slice(4, 6)}0203049000`);
    return fromHex('6D00');
  }
  async reset(): Promise<Uint8Array> {
    return this.connect();
  }
  async close(): Promise<void> {}
}

describe('CardChannel ordering', () => {
  it('never interleaves two concurrent exchanges: a GET RESPONSE follows its own command', async () => {
    const card = new SlowCard();
    const channel = new CardChannel(card);
    const [a, b] = await Promise.all([channel.transmit(fromHex('00B2010C00')), channel.transmit(fromHex('00B2011400'))]);
    expect(card.sent).toEqual(['00B2010C00', '00C0000004', '00B2011400', '00C0000004']);
    expect(toHex(a)).toBe('00020304');
    expect(toHex(b)).toBe('00020304');
  });

  it('exclusive() keeps SELECT → READ together; other callers queue behind the whole sequence', async () => {
    const card = new SlowCard();
    const channel = new CardChannel(card);
    const readFile = (fid: string) =>
      channel.exclusive(async () => {
        await channel.transmit(fromHex(`00A4000002${fid}`));
        return toHex(await channel.transmit(fromHex('00B0000000')));
      });
    const results = await Promise.all([readFile('EF05'), readFile('EF06'), readFile('EF07')]);
    expect(results).toEqual(['EF05', 'EF06', 'EF07']);
  });

  it('is re-entrant: exclusive() and transmit() inside a section run at once, nested sections too', async () => {
    const card = new SlowCard();
    const channel = new CardChannel(card);
    const section = channel.exclusive(async () => {
      await channel.transmit(fromHex('00A40000023F00'));
      const inner = await channel.exclusive(async () => toHex(await channel.transmit(fromHex('00B0000000'))));
      return inner;
    });
    const other = channel.transmit(fromHex('00A4000002EF01'));
    expect(await section).toBe('3F00');
    await other;
    expect(card.sent).toEqual(['00A40000023F00', '00B0000000', '00A4000002EF01']);
  });

  it('an error inside a section releases the card', async () => {
    const card = new SlowCard();
    const channel = new CardChannel(card);
    await expect(
      channel.exclusive(async () => {
        await channel.transmit(fromHex('00A40000023F00'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(toHex(await channel.transmit(fromHex('00B0000000')))).toBe('3F00');
  });

  it('calls the transport beginExclusive/endExclusive once around the outermost section', async () => {
    const card = new SlowCard() as SlowCard & { beginExclusive(): Promise<void>; endExclusive(): Promise<void> };
    card.beginExclusive = async () => void card.events.push('begin');
    card.endExclusive = async () => void card.events.push('end');
    const channel = new CardChannel(card);
    await channel.exclusive(async () => {
      await channel.exclusive(async () => channel.transmit(fromHex('00A40000023F00')));
      card.events.push('inside');
    });
    await channel.transmit(fromHex('00B0000000'));
    expect(card.events).toEqual(['begin', 'inside', 'end']);
  });

  it("nests across channels: inside a PSAM's section within a card's, the card's own calls run at once", async () => {
    const card = new SlowCard();
    const psam = new SlowCard();
    const cardChannel = new CardChannel(card);
    const psamChannel = new CardChannel(psam);
    const flow = cardChannel.exclusive(async () => {
      await cardChannel.transmit(fromHex('00A40000023F00'));
      return psamChannel.exclusive(async () => {
        await psamChannel.transmit(fromHex('00A4000002DF01'));
        // Still inside the card's section: this must not wait behind it (it would wait forever).
        return toHex(await cardChannel.transmit(fromHex('00B0000000')));
      });
    });
    const other = cardChannel.transmit(fromHex('00A4000002EF01'));
    expect(await flow).toBe('3F00');
    await other;
    expect(card.sent).toEqual(['00A40000023F00', '00B0000000', '00A4000002EF01']);
    // Another channel's section does not count as being inside this one.
    const outsider = new CardChannel(new SlowCard());
    const held = cardChannel.exclusive(async () => {
      await outsider.exclusive(async () => outsider.transmit(fromHex('00A40000023F00')));
      return cardChannel.transmit(fromHex('00B0000000'));
    });
    expect(toHex(await held)).toBe('EF01');
  });
});
