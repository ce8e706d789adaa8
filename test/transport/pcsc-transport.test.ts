// PcscTransport's own logic over a scripted PC/SC thread: which reader it picks, how failures are
// classified and what they invalidate, deadlines, transactions. No pcscd needed; the real path
// is tested through pcscd + vpcd in test/pcsc/ and test/pcsc-faults/.
import { describe, expect, it } from 'vitest';
import { SCARD } from '../../src/transport/pcsc/pcsc-platform.js';
import { ScardError } from '../../src/transport/pcsc/scard-error.js';
import type { ReaderState, ScardLibrary } from '../../src/transport/pcsc/scard-library.js';
import type { ScardCalls, ScardMethod } from '../../src/transport/pcsc/scard-thread.js';
import { PcscTransport, type PcscTransportOptions } from '../../src/transport/pcsc-transport.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { withTimeout } from '../../src/transport/with-timeout.js';

type Script = Partial<Record<ScardMethod, (...args: never[]) => unknown>>;

/** A PC/SC thread that answers from `script`, with the deadline semantics of ScardThread. */
class ScriptedThread implements ScardCalls {
  abandoned = false;
  readonly log: string[];
  constructor(
    private readonly script: Script,
    log: string[],
  ) {
    this.log = log;
  }
  async call<M extends ScardMethod>(method: M, args: Parameters<ScardLibrary[M]>, timeoutMs: number, doing: string) {
    if (this.abandoned) throw new TransportError('timeout', `${doing}: earlier call unanswered`);
    this.log.push(method);
    const f = this.script[method] as ((...a: unknown[]) => unknown) | undefined;
    if (!f) throw new Error(`unexpected ${method}`);
    const work = Promise.resolve().then(() => f(...args));
    try {
      return (await withTimeout(work, timeoutMs, doing)) as ReturnType<ScardLibrary[M]>;
    } catch (error) {
      if (error instanceof TransportError && error.reason === 'timeout') this.abandoned = true;
      throw error;
    }
  }
  transmit(card: number | bigint, protocol: number, command: Uint8Array, maxResponse: number, timeoutMs: number, doing: string) {
    return this.call('transmit', [card, protocol, command, maxResponse], timeoutMs, doing);
  }
  close(): void {
    this.log.push('close-thread');
  }
}

interface FakeReader {
  name: string;
  present: boolean;
}

/** A pcscd with these readers, each card answering 9000 unless `transmit` says otherwise. */
function fakeScard(
  opts: {
    readers?: FakeReader[];
    establish?: () => unknown;
    transmit?: (c: Uint8Array, max: number) => unknown;
    control?: (code: number, input: Uint8Array) => unknown;
  } = {},
) {
  const log: string[] = [];
  let threads = 0;
  const script: Script = {
    establishContext: (() => (opts.establish ? opts.establish() : 1)) as never,
    isValidContext: (() => true) as never,
    releaseContext: (() => undefined) as never,
    listReaders: (() => (opts.readers ?? []).map((r) => r.name)) as never,
    getStatusChange: ((_c: unknown, _t: number, states: ReaderState[]) =>
      states.map((s) => {
        const r = opts.readers?.find((x) => x.name === s.reader);
        return { ...s, eventState: r?.present ? SCARD.STATE_PRESENT : SCARD.STATE_EMPTY, atr: new Uint8Array(0) };
      })) as never,
    connect: ((_c: unknown, reader: string) => ({ card: reader.length, protocol: SCARD.PROTOCOL_T1 })) as never,
    status: (() => ({ reader: 'R', state: 0x34, protocol: 2, atr: new Uint8Array([0x3b, 0x00]) })) as never,
    transmit: ((_h: unknown, _p: number, c: Uint8Array, max: number) =>
      opts.transmit ? opts.transmit(c, max) : new Uint8Array([0x90, 0x00])) as never,
    beginTransaction: (() => undefined) as never,
    endTransaction: (() => undefined) as never,
    disconnect: (() => undefined) as never,
    reconnect: (() => SCARD.PROTOCOL_T1) as never,
    control: ((_h: unknown, code: number, input: Uint8Array) => {
      if (opts.control) return opts.control(code, input);
      throw new ScardError(0x8010001f, 'sending a reader control command');
    }) as never,
  };
  const scard: NonNullable<PcscTransportOptions['scard']> = {
    thread: () => {
      threads++;
      return new ScriptedThread(script, log);
    },
    library: () => ({
      transmit: (card, protocol, command, max) =>
        script.transmit!(card as never, protocol as never, command as never, max as never) as Uint8Array,
    }),
  };
  return { scard, log, threads: () => threads };
}

const SELECT = new Uint8Array([0, 0xa4, 0, 0]);

describe('PcscTransport over a scripted PC/SC thread', () => {
  it('says no-service when pcscd is not running', async () => {
    const { scard } = fakeScard({
      establish: () => {
        throw new ScardError(0x8010001d, 'opening the PC/SC service');
      },
    });
    const e = await new PcscTransport({ scard }).connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).reason).toBe('no-service');
    expect((e as TransportError).message).toMatch(/start pcscd/);
  });

  it('picks the first reader with a card, or the one named (a part of the name will do)', async () => {
    const readers = [
      { name: 'Empty Reader 0', present: false },
      { name: 'ACS ACR122U 01', present: true },
    ];
    const first = new PcscTransport({ scard: fakeScard({ readers }).scard });
    await first.connect();
    expect(first.name).toBe('ACS ACR122U 01');
    const named = new PcscTransport({ scard: fakeScard({ readers }).scard, reader: 'acr122' });
    await named.connect();
    expect(named.name).toBe('ACS ACR122U 01');
    await expect(new PcscTransport({ scard: fakeScard({ readers }).scard, reader: 'Empty' }).connect()).rejects.toMatchObject({
      reason: 'no-card',
    });
    await expect(new PcscTransport({ scard: fakeScard({ readers }).scard, reader: 'Nope' }).connect()).rejects.toMatchObject({
      reason: 'no-reader',
    });
    await expect(new PcscTransport({ scard: fakeScard({ readers: [] }).scard }).connect()).rejects.toMatchObject({ reason: 'no-reader' });
  });

  it('asks for an extended-size receive buffer, on the thread and on the calling thread', async () => {
    const sizes: number[] = [];
    const { scard } = fakeScard({
      readers: [{ name: 'R', present: true }],
      transmit: (_c, max) => {
        sizes.push(max);
        return new Uint8Array([0x90, 0x00]);
      },
    });
    const t = new PcscTransport({ scard });
    await t.connect();
    await t.transmit(SELECT);
    expect(t.transmitSync(SELECT)).toEqual(new Uint8Array([0x90, 0x00]));
    expect(sizes).toEqual([65538, 65538]);
  });

  it('turns a command that never returns into TransportError(timeout) and uses a new thread for the next connect', async () => {
    let stuck = true;
    const fake = fakeScard({
      readers: [{ name: 'R', present: true }],
      transmit: () => (stuck ? new Promise(() => {}) : new Uint8Array([0x90, 0x00])),
    });
    const t = new PcscTransport({ scard: fake.scard, timeoutMs: 100 });
    await t.connect();
    const started = Date.now();
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    // The wedged handle is dropped: later calls say why instead of queueing behind it.
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'timeout', message: /call connect\(\) again/ });
    expect(() => t.transmitSync(SELECT)).toThrow(TransportError);
    stuck = false;
    await t.connect();
    expect(fake.threads()).toBe(2);
    expect(await t.transmit(SELECT)).toEqual(new Uint8Array([0x90, 0x00]));
  });

  it('a reader answer without a status word is an error, not a response', async () => {
    const { scard } = fakeScard({ readers: [{ name: 'R', present: true }], transmit: () => new Uint8Array(0) });
    // Short: after a generic failure the transport looks (bounded by this) whether the card left.
    const t = new PcscTransport({ scard, timeoutMs: 200 });
    await t.connect();
    await expect(t.transmit(SELECT)).rejects.toThrow(/no status word/);
  });

  it('beginExclusive/endExclusive nest around one PC/SC transaction', async () => {
    const fake = fakeScard({ readers: [{ name: 'R', present: true }] });
    const t = new PcscTransport({ scard: fake.scard });
    await t.connect();
    await t.beginExclusive();
    await t.beginExclusive();
    await t.transmit(SELECT);
    await t.endExclusive();
    expect(fake.log.filter((m) => m.endsWith('Transaction'))).toEqual(['beginTransaction']);
    await t.endExclusive();
    await t.endExclusive();
    expect(fake.log.filter((m) => m.endsWith('Transaction'))).toEqual(['beginTransaction', 'endTransaction']);
  });

  it('transaction() runs its body inside SCardBeginTransaction/SCardEndTransaction', async () => {
    const fake = fakeScard({ readers: [{ name: 'R', present: true }] });
    const t = new PcscTransport({ scard: fake.scard });
    await t.connect();
    fake.log.length = 0;
    const r = await t.transaction(async (card) => [await card.transmit(SELECT), await card.transmit(SELECT)]);
    expect(r).toHaveLength(2);
    expect(fake.log).toEqual(['beginTransaction', 'transmit', 'transmit', 'endTransaction']);
  });

  it('holdTransaction keeps the card from connect to close', async () => {
    const fake = fakeScard({ readers: [{ name: 'R', present: true }] });
    const t = new PcscTransport({ scard: fake.scard, holdTransaction: true });
    await t.connect();
    await t.transmit(SELECT);
    await t.close();
    expect(fake.log.slice(-7)).toEqual([
      'status',
      'beginTransaction',
      'transmit',
      'endTransaction',
      'disconnect',
      'releaseContext',
      'close-thread',
    ]);
  });

  it('refuses to work after close()', async () => {
    const t = new PcscTransport({ scard: fakeScard({ readers: [{ name: 'R', present: true }] }).scard });
    await t.connect();
    await t.close();
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'closed' });
  });

  it('verifyPinOnPad: the PIN is typed on the reader (a simulated pad), the card answers, the host never sees it', async () => {
    const VERIFY_PIN_DIRECT = 0x42330006;
    let tries = 3;
    const typed = '123456';
    const sent: Uint8Array[] = [];
    const { scard } = fakeScard({
      readers: [{ name: 'Pad Reader', present: true }],
      control: (code, input) => {
        if (code === 0x42000d48) return new Uint8Array([0x06, 0x04, 0x42, 0x33, 0x00, 0x06]);
        if (code !== VERIFY_PIN_DIRECT) throw new ScardError(0x80100004, 'control');
        sent.push(input.slice());
        // The pad: BCD digits into the block at the offset the structure names, then to the card.
        const command = input.slice(19);
        const offset = 5 + ((input[2]! >> 3) & 0x0f);
        for (let i = 0; i < typed.length; i += 2) command[offset + i / 2] = (Number(typed[i]) << 4) | Number(typed[i + 1]);
        const right = Buffer.from(command.subarray(5, 8)).toString('hex') === '654321';
        if (right) return new Uint8Array([0x90, 0x00]);
        tries--;
        return new Uint8Array([0x63, 0xc0 | tries]);
      },
    });
    const t = new PcscTransport({ scard });
    await t.connect();
    expect((await t.features()).pinPad).toBe(true);
    const format = { encoding: 'bcd' as const, offset: 0, blockBytes: 3, minDigits: 6, maxDigits: 6 };
    const verify = new Uint8Array([0x00, 0x20, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff]);
    expect(await t.verifyPinOnPad(verify, format)).toEqual(new Uint8Array([0x63, 0xc2]));
    // What crossed the host: the structure with the empty PIN block, never the digits.
    expect(Buffer.from(sent[0]!).toString('hex')).not.toContain('123456');
    expect(sent[0]!.subarray(19)).toEqual(verify);
  });

  it('verifyPinOnPad on a reader without a pad says so', async () => {
    const t = new PcscTransport({ scard: fakeScard({ readers: [{ name: 'R', present: true }] }).scard });
    await t.connect();
    expect((await t.features()).pinPad).toBe(false);
    await expect(
      t.verifyPinOnPad(new Uint8Array([0, 0x20, 0, 0, 3, 0xff, 0xff, 0xff]), {
        encoding: 'bcd',
        offset: 0,
        blockBytes: 3,
        minDigits: 6,
        maxDigits: 6,
      }),
    ).rejects.toThrow(/has no PIN pad/);
  });
});
