import { describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { PinError } from '../../src/apdu/apdu-error.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { InputError } from '../../src/errors.js';
import type { CardTransport } from '../../src/transport/card-transport.js';

/** The default card behind a reader whose simulated PIN pad "types" `typed`; traces are kept. */
async function padReader(typed: () => Promise<string | undefined>) {
  const transport = new EmulatorTransport(openCard({ profile: 'default' }), 'pad reader', { pinPad: typed });
  const atr = await transport.connect();
  const traced: string[] = [];
  const channel = new CardChannel(transport, { trace: (e) => traced.push(`${e.command} ${e.response ?? ''}`) });
  return { session: await SocialSecuritySession.open(channel, { atr }), traced };
}

describe('VERIFY with the PIN on the reader’s PIN pad (PC/SC part 10)', () => {
  it('the right PIN typed on the pad verifies; the program never holds it', async () => {
    const { session, traced } = await padReader(async () => '123456');
    await session.verifyPinOnPad();
    expect(await session.pinTriesLeft()).toBe(6);
    expect(traced.join('\n')).not.toContain('123456');
    expect(traced.join('\n')).not.toMatch(/12 34 56/);
  });

  it('a wrong PIN on the pad is a PinError with the tries left', async () => {
    const { session } = await padReader(async () => '111111');
    const e = await session.verifyPinOnPad().catch((x) => x);
    expect(e).toBeInstanceOf(PinError);
    expect(e.triesLeft).toBe(5);
  });

  it('cancelled or too short on the pad: an InputError, and no try is spent', async () => {
    for (const typed of [undefined, '123']) {
      const { session } = await padReader(async () => typed);
      await expect(session.verifyPinOnPad()).rejects.toBeInstanceOf(InputError);
      expect(await session.pinTriesLeft()).toBe(6);
    }
  });

  it('the command the pad receives carries an empty PIN block of F nibbles (4–12 digits fit)', async () => {
    const seen: string[] = [];
    const inner = new EmulatorTransport(openCard({ profile: 'default' }), 'pad reader', { pinPad: async () => '123456' });
    const spy: CardTransport = {
      name: inner.name,
      connect: () => inner.connect(),
      transmit: (c) => inner.transmit(c),
      reset: (k) => inner.reset(k),
      close: () => inner.close(),
      verifyPinOnPad: (command, format) => {
        seen.push(`${toHex(command)} ${format.blockBytes} ${format.minDigits}-${format.maxDigits}`);
        return inner.verifyPinOnPad!(command, format);
      },
    };
    const atr = await spy.connect();
    await (await SocialSecuritySession.open(new CardChannel(spy), { atr })).verifyPinOnPad();
    expect(seen).toEqual(['0020000006FFFFFFFFFFFF 6 4-12']);
  });

  it('a reader without a pad says so', async () => {
    const transport = new EmulatorTransport(openCard({ profile: 'default' }));
    const atr = await transport.connect();
    const s = await SocialSecuritySession.open(new CardChannel(transport), { atr });
    await expect(s.verifyPinOnPad()).rejects.toThrow(/has no PIN pad/);
  });
});
