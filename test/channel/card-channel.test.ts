import { describe, expect, it } from 'vitest';
import { CardEmulator } from '../../emulator/card-emulator.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { BadResponseError, PinError } from '../../src/apdu/apdu-error.js';
import { CommandApdu } from '../../src/apdu/command-apdu.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { CardChannel, getResponseCla } from '../../src/channel/card-channel.js';
import type { TraceEvent } from '../../src/channel/trace-event.js';
import { TEST_PROFILE_PATH } from '../emulator/card-helpers.js';
import { ScriptedTransport } from '../support/scripted-transport.js';

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const bytesHex = (n: number, fill: number) => toHex(new Uint8Array(n).fill(fill));

describe('CardChannel T=0 handling', () => {
  it('answers 61xx with several GET RESPONSEs in a row and joins the data', async () => {
    const t = new ScriptedTransport([
      [SELECT_SSSE, '6120'],
      ['00C0000020', `${bytesHex(0x20, 0xaa)}6110`],
      ['00C0000010', `${bytesHex(0x10, 0xbb)}6102`],
      ['00C0000002', 'CCDD9000'],
    ]);
    const r = await new CardChannel(t).transmitRaw(fromHex(SELECT_SSSE));
    expect(r.sw).toBe(0x9000);
    expect(r.data.length).toBe(0x20 + 0x10 + 2);
    expect(toHex(r.data.subarray(0x30))).toBe('CCDD');
    expect(t.done).toBe(true);
  });
  it('keeps the logical channel bits of the CLA on GET RESPONSE', async () => {
    const t = new ScriptedTransport([
      ['01B2012C00', '6104'],
      ['01C0000004', '010203049000'],
    ]);
    await new CardChannel(t).transmit(fromHex('01B2012C00'));
    expect(t.done).toBe(true);
    expect(getResponseCla(0x80)).toBe(0x00);
    expect(getResponseCla(0x83)).toBe(0x03);
    expect(getResponseCla(0x45)).toBe(0x45);
  });
  it('re-sends with the Le the card asks for in 6Cxx', async () => {
    const t = new ScriptedTransport([
      ['00B2012C05', '6C12'],
      ['00B2012C12', `0110${bytesHex(16, 0x33)}9000`],
    ]);
    const data = await new CardChannel(t).transmit(fromHex('00B2012C05'));
    expect(data.length).toBe(18);
    expect(t.done).toBe(true);
  });
  it('returns 61xx/6Cxx untouched when those features are switched off', async () => {
    const t = new ScriptedTransport([['00B2012C05', '6C12']]);
    const r = await new CardChannel(t, { autoResendOnWrongLe: false }).transmitRaw(fromHex('00B2012C05'));
    expect(r.sw).toBe(0x6c12);
    const t2 = new ScriptedTransport([[SELECT_SSSE, '6120']]);
    expect((await new CardChannel(t2, { autoGetResponse: false }).transmitRaw(fromHex(SELECT_SSSE))).sw).toBe(0x6120);
  });
  it('gives up on a card that never stops answering 61xx', async () => {
    const endless = {
      name: 'x',
      connect: async () => new Uint8Array(),
      reset: async () => new Uint8Array(),
      close: async () => {},
      transmit: async () => fromHex('6101'),
    };
    await expect(new CardChannel(endless).transmit(fromHex('00B0000000'))).rejects.toBeInstanceOf(BadResponseError);
  });
});

describe('CardChannel chaining', () => {
  it('splits long data into CLA-b5 chained commands', async () => {
    const data = new Uint8Array(300).map((_, i) => i & 0xff);
    const first = `10D60000FF${toHex(data.subarray(0, 255))}`;
    const last = `00D600002D${toHex(data.subarray(255))}`;
    const t = new ScriptedTransport([
      [first, '9000'],
      [last, '9000'],
    ]);
    await new CardChannel(t).transmit(new CommandApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data }));
    expect(t.done).toBe(true);
  });
  it('stops the chain at the first refusal', async () => {
    const data = new Uint8Array(300);
    const t = new ScriptedTransport([[`10D60000FF${toHex(data.subarray(0, 255))}`, '6982']]);
    const r = await new CardChannel(t).transmitRaw(new CommandApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data }));
    expect(r.sw).toBe(0x6982);
  });
  it('sends one extended APDU when chaining is off', async () => {
    const data = new Uint8Array(300);
    const t = new ScriptedTransport([[`00D6000000012C${toHex(data)}`, '9000']]);
    await new CardChannel(t, { chaining: false }).transmit(new CommandApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data }));
    expect(t.done).toBe(true);
  });
});

describe('CardChannel errors and traces', () => {
  it('throws PinError with the tries left on 63Cx', async () => {
    const t = new ScriptedTransport([['0020000003123456', '63C2']]);
    const err = await new CardChannel(t).transmit(fromHex('0020000003123456')).catch((e) => e);
    expect(err).toBeInstanceOf(PinError);
    expect(err.triesLeft).toBe(2);
    expect(err.message).toMatch(/63C2 \(wrong PIN, 2 tries left\)/);
    expect(err.message).not.toContain('123456');
  });
  it('masks PIN and key bytes in the trace, and the digits never appear', async () => {
    const events: TraceEvent[] = [];
    const t = new ScriptedTransport([
      ['0020000003987654', '9000'],
      ['805E0100079876 54FF123456', '9000'],
      ['0082000A101122334455667788AABBCCDDEEFF0011', '9000'],
      ['00B2012C00', '6104'],
      ['00C0000004', '010203049000'],
    ]);
    const ch = new CardChannel(t, { trace: (e) => events.push(e) });
    await ch.transmit(fromHex('0020000003987654'));
    await ch.transmit(fromHex('805E01000798765 4FF123456'.replace(' ', '')));
    await ch.transmit(fromHex('0082000A101122334455667788AABBCCDDEEFF0011'));
    await ch.transmit(fromHex('00B2012C00'));
    expect(events[0]!.command).toBe('00 20 00 00 03 ** ** **');
    expect(events[0]!.commandName).toBe('VERIFY (PIN)');
    expect(events[1]!.command).toBe('80 5E 01 00 07 ** ** ** ** ** ** **');
    expect(events[2]!.command).toBe('00 82 00 0A 10 ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** **');
    expect(events[4]!.automatic).toBe(true);
    expect(events[4]!.commandName).toBe('GET RESPONSE');
    const all = JSON.stringify(events);
    for (const secret of ['98 76 54', '987654', '12 34 56', '123456', '11 22 33 44']) expect(all).not.toContain(secret);
  });
});

describe('CardChannel against the emulator’s T=0 test card', () => {
  const card = () => {
    const emulator = new CardEmulator({ profile: loadProfile(TEST_PROFILE_PATH), logger: memoryLogger() });
    const transport = new EmulatorTransport(emulator);
    return { emulator, transport, channel: new CardChannel(transport) };
  };

  it('READ RECORD with Le 00: the card answers 6Cxx, the channel re-sends and returns the record', async () => {
    const { transport, channel } = card();
    await transport.connect();
    const events: TraceEvent[] = [];
    channel.onTrace((e) => events.push(e));
    await channel.transmit(fromHex(SELECT_SSSE));
    expect(toHex(await channel.transmit(fromHex('00B2032C00')))).toBe('0304332E3030');
    expect(events.slice(-2).map((e) => e.swHex)).toEqual(['6C06', '9000']);
  });

  it('records P1 to the last (mode 101) beyond 256 bytes: 6Cxx never, 256 + 61xx, all joined', async () => {
    const { emulator, transport, channel } = card();
    await transport.connect();
    const ef05 = emulator.context.mf
      .dedicatedFiles()[0]!
      .elementaryFiles()
      .find((e) => e.sfi === 5)!;
    ef05.records = Array.from({ length: 6 }, (_, i) => Uint8Array.of(0x10 + i, 62, ...new Array(62).fill(i)));
    await channel.transmit(fromHex(SELECT_SSSE));
    const all = await channel.transmit(fromHex('00B2012D00'));
    expect(toHex(all)).toBe(ef05.records.map(toHex).join(''));
  });
});
