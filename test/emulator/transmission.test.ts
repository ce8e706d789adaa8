import { describe, expect, it } from 'vitest';
import { CardEmulator } from '../../emulator/card-emulator.js';
import { CardStatus } from '../../emulator/card-status.js';
import type { CommandRoute } from '../../emulator/command-route.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { ProfileError } from '../../emulator/profile-error.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { SELECT_SSSE, testCard, testProfile } from './card-helpers.js';

const BIG: CommandRoute = {
  name: 'BIG',
  cla: [0x80],
  ins: 0xee,
  handler: () => Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
};

describe('T=0 behaviour', () => {
  it('case 4: 61xx, then GET RESPONSE in pieces; a too long Le on GET RESPONSE is 6Cxx', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('0088000010001122334455667700112233445566FF')).toBe('6108');
    expect(send('00C0000010')).toBe('6C08');
    const first = send('00C0000003');
    expect(first).toMatch(/^[0-9A-F]{6}6105$/);
    const rest = send('00C0000005');
    expect(rest).toMatch(/^[0-9A-F]{10}9000$/);
    expect(send('00C0000001')).toBe('6F00');
  });

  it('GET RESPONSE with Le = 00 while less than 256 bytes wait: 6Cxx, and the data still waits', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('0088000010001122334455667700112233445566FF')).toBe('6108');
    expect(send('00C0000000')).toBe('6C08');
    expect(send('00C0000008')).toMatch(/^[0-9A-F]{16}9000$/);
    expect(send('00C0000000')).toBe('6F00');
  });

  it('GET RESPONSE: P1P2 other than 00 00 → 6A86, no Le or with data → 6700, nothing waiting → 6F00', () => {
    const { send } = testCard();
    expect(send('00C0000008')).toBe('6F00');
    send(SELECT_SSSE);
    expect(send('0088000010001122334455667700112233445566FF')).toBe('6108');
    expect(send('00C0010008')).toBe('6A86');
    expect(send('0088000010001122334455667700112233445566FF')).toBe('6108');
    expect(send('00C00000')).toBe('6700');
  });

  it('any other command drops undelivered response data', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('0088000010001122334455667700112233445566FF')).toBe('6108');
    send('00200000');
    expect(send('00C0000008')).toBe('6F00');
  });

  it('more than 256 bytes: 256 + 61xx, the rest with GET RESPONSE', () => {
    const { send } = testCard({ commands: [BIG] });
    const first = send('80EE000000');
    expect(first.length).toBe(2 * 256 + 4);
    expect(first.slice(-4)).toBe('612C');
    const rest = send('00C000002C');
    expect(rest.slice(-4)).toBe('9000');
    expect(rest.slice(0, 4)).toBe('0001');
  });

  it('GET RESPONSE with Le = 00 while 256 bytes or more wait: 256 bytes and 61xx for the rest', () => {
    const BIGGER: CommandRoute = { ...BIG, handler: () => Uint8Array.from({ length: 600 }, (_, i) => i & 0xff) };
    const { send } = testCard({ commands: [BIGGER] });
    expect(send('80EE00000100').slice(-4)).toBe('6100'); // case 4 on T=0: all 600 bytes wait
    const first = send('00C0000000');
    expect(first.length).toBe(2 * 256 + 4);
    expect(first.slice(-4)).toBe('6100');
    expect(send('00C0000000').slice(-4)).toBe('6158');
    expect(send('00C0000000')).toBe('6C58');
    expect(send('00C0000058').slice(-4)).toBe('9000');
  });

  it('extended-length APDUs are refused on T=0', () => {
    const { send } = testCard({ profile: testProfile((p) => (p.settings = { extendedLength: true })) });
    expect(send('00B08100000010')).toBe('6700');
  });
});

describe('T=1 behaviour', () => {
  it('case 4 answers directly; more than 256 bytes still come in pieces', () => {
    const { send } = testCard({ protocol: 'T=1', commands: [BIG] });
    send(SELECT_SSSE);
    expect(send('0088000010001122334455667700112233445566FF')).toMatch(/^[0-9A-F]{16}9000$/);
    expect(send('80EE000000').slice(-4)).toBe('612C');
  });

  it('extended Le works when the profile allows extended length', () => {
    const { send } = testCard({ protocol: 'T=1', profile: testProfile((p) => (p.settings = { extendedLength: true })) });
    expect(send('00B08100000008')).toBe('11223344556677889000');
    const { send: send2 } = testCard({ protocol: 'T=1' });
    expect(send2('00B08100000008')).toBe('6700');
  });
});

describe('dispatch and errors', () => {
  it('malformed APDU → 6700, unknown INS → 6D00, unknown CLA → 6E00, logical channel → 6881', () => {
    const { send } = testCard();
    expect(send('00A4')).toBe('6700');
    expect(send('00A4040005A0000003')).toBe('6700');
    expect(send('00FF0000')).toBe('6D00');
    expect(send('A0A40000023F00')).toBe('6E00');
    expect(send('80A40000023F00')).toBe('6E00');
    expect(send('01A40000023F00')).toBe('6881');
    expect(send('FFCA000000')).toBe('6E00');
  });

  it('an unexpected exception becomes 6F00, is logged by header only, and the card keeps working', () => {
    const boom: CommandRoute = {
      name: 'BOOM',
      cla: [0x80],
      ins: 0xe0,
      handler: () => {
        throw new Error('boom');
      },
    };
    const { send, logger } = testCard({ commands: [boom] });
    expect(send('80E0000003123456')).toBe('6F00');
    expect(logger.lines.join('\n')).toContain('80 E0 00 00');
    expect(logger.lines.join('\n')).not.toContain('123456');
    expect(send('00A40000023F00')).toBe('6106');
  });

  it('transmit never throws, whatever the bytes', () => {
    const { card } = testCard();
    for (const hex of ['', '00', '0000000000', 'FFFFFFFFFFFF', '00B2000400', '00DC000000', '00C0000000']) {
      expect(() => card.transmit(fromHex(hex))).not.toThrow();
    }
  });
});

describe('contactless', () => {
  it('synthesizes the PC/SC part-3 ATR from the ATS historical bytes', () => {
    const card = new CardEmulator({ profile: testProfile(), cardInterface: 'contactless' });
    // ATS 0A 78 80 70 02 | 53 53 43 41 52 → 3B 85 80 01 5353434152 TCK
    const atr = toHex(card.powerOn());
    expect(atr.slice(0, 18)).toBe('3B8580015353434152'.slice(0, 18));
    const bytes = fromHex(atr);
    expect(bytes.subarray(1).reduce((a, b) => a ^ b, 0)).toBe(0);
  });

  it('answers FF CA 00 00 00 with the UID like a reader, FF CA 01 with the ATS historical bytes', () => {
    const { send } = testCard({ cardInterface: 'contactless' });
    expect(send('FFCA000000')).toBe('04A1B2C3D4E5F69000');
    expect(send('FFCA000004')).toBe('6C07');
    expect(send('FFCA000009')).toBe('04A1B2C3D4E5F66282');
    expect(send('FFCA010000')).toBe('53534341529000');
    expect(send('FFCA020000')).toBe('6A86');
  });

  it('behaves like T=1 on the contactless interface even for a T=0 profile', () => {
    const { send } = testCard({ cardInterface: 'contactless' });
    expect(send(`${SELECT_SSSE}00`)).toMatch(/^6F11.*9000$/);
  });

  it('the same card can sit in two slots, contact and contactless', () => {
    const contact = new CardEmulator({ profile: testProfile() });
    const contactless = new CardEmulator({ profile: testProfile(), cardInterface: 'contactless' });
    expect(toHex(contact.powerOn())).toBe('3B6D000057443638100000000000000001');
    expect(toHex(contactless.powerOn()).startsWith('3B8580')).toBe(true);
  });

  it('a profile without a contactless section cannot be used contactless', () => {
    expect(() => new CardEmulator({ profile: testProfile((p) => delete p.contactless), cardInterface: 'contactless' })).toThrow(
      ProfileError,
    );
  });
});

describe('EmulatorTransport', () => {
  it('connect returns the ATR; warm and cold reset drop the security status; close ends it', async () => {
    const { card } = testCard();
    const transport = new EmulatorTransport(card);
    const send = async (hex: string) => toHex(await transport.transmit(fromHex(hex)));
    await expect(transport.transmit(fromHex('00A40000023F00'))).rejects.toBeInstanceOf(TransportError);
    expect(toHex(await transport.connect())).toBe('3B6D000057443638100000000000000001');
    await send(SELECT_SSSE);
    expect(await send('0020000003123456')).toBe('9000');
    expect(toHex(await transport.reset('warm'))).toMatch(/^3B6D/);
    await send(SELECT_SSSE);
    expect(await send('00200000')).toBe('63C6');
    await send('0020000003123456');
    await transport.reset('cold');
    await send(SELECT_SSSE);
    expect(await send('00200000')).toBe('63C6');
    await transport.close();
    await expect(send('00A40000023F00')).rejects.toBeInstanceOf(TransportError);
  });
});

describe('application handlers (the extension point)', () => {
  it('routes the DF’s commands to its application, persists its data, and runs onSelect', () => {
    let selected = 0;
    const demo = {
      name: 'demo',
      onSelect: () => {
        selected++;
      },
      commands: [
        {
          name: 'GPO',
          cla: [0x80],
          ins: 0xa8,
          handler: (ctx, apdu) => {
            if (apdu.data.length === 0) throw new CardStatus(0x6700);
            const state = ctx.applicationState('demo', () => ({ atc: 0 }));
            state.atc++;
            ctx.markDirty();
            return Uint8Array.of(0x9f, 0x36, 0x02, state.atc >> 8, state.atc & 0xff);
          },
        },
        {
          name: 'GET DATA (demo)',
          cla: [0x80],
          ins: 0xca,
          handler: () => Uint8Array.of(0x9f, 0x79, 0x01, 0x42),
        },
      ] satisfies CommandRoute[],
    };
    const { send, store, logger } = testCard({ protocol: 'T=1', applications: [demo] });
    expect(logger.lines).toEqual([]);
    expect(send('80A80000028300')).toBe('6D00');
    expect(send('80CA9F7900')).toBe('6A88');
    send('00A4040008A000000333010101');
    expect(selected).toBe(1);
    expect(send('80A8000002830000')).toBe('9F360200019000');
    expect(send('80A8000002830000')).toBe('9F360200029000');
    expect(send('80A8000000')).toBe('6700');
    expect(store.saved?.applications).toEqual({ demo: { atc: 2 } });
    expect(send('80CA9F7900')).toBe('9F7901429000');
    expect(send('00CA9F7900')).toBe('9F79060000000100009000');
  });
});
