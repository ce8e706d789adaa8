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

/**
 * The service's life: a restart makes every context and card handle of the run before invalid
 * (pcsc-lite answers SCARD_E_NO_SERVICE on them), and while it is down nothing can be opened.
 */
interface FakeService {
  up: boolean;
  run: number;
}

const NO_SERVICE = 0x8010001d;
/** Handles carry the service run that made them: run × 100 + a number of their own. */
const HANDLES_PER_RUN = 100;

/** A pcscd with these readers, each card answering 9000 unless `transmit` says otherwise. */
function fakeScard(
  opts: {
    readers?: FakeReader[];
    establish?: () => unknown;
    transmit?: (c: Uint8Array, max: number) => unknown;
    control?: (code: number, input: Uint8Array) => unknown;
    service?: FakeService;
  } = {},
) {
  const log: string[] = [];
  let threads = 0;
  const service = opts.service ?? { up: true, run: 0 };
  const live = (handle: unknown, doing: string): void => {
    if (!service.up || Math.floor(Number(handle) / HANDLES_PER_RUN) !== service.run) throw new ScardError(NO_SERVICE, doing);
  };
  const script: Script = {
    establishContext: (() => {
      if (opts.establish) return opts.establish();
      if (!service.up) throw new ScardError(NO_SERVICE, 'opening the PC/SC service');
      return service.run * HANDLES_PER_RUN + 1;
    }) as never,
    isValidContext: (() => true) as never,
    releaseContext: (() => undefined) as never,
    listReaders: (() => (opts.readers ?? []).map((r) => r.name)) as never,
    getStatusChange: ((_c: unknown, _t: number, states: ReaderState[]) =>
      states.map((s) => {
        const r = opts.readers?.find((x) => x.name === s.reader);
        return { ...s, eventState: r?.present ? SCARD.STATE_PRESENT : SCARD.STATE_EMPTY, atr: new Uint8Array(0) };
      })) as never,
    connect: ((context: unknown, reader: string) => {
      live(context, 'connecting');
      return { card: service.run * HANDLES_PER_RUN + reader.length, protocol: SCARD.PROTOCOL_T1 };
    }) as never,
    status: ((card: unknown) => {
      live(card, 'reading the card status');
      return { reader: 'R', state: 0x34, protocol: 2, atr: new Uint8Array([0x3b, 0x00]) };
    }) as never,
    transmit: ((card: unknown, _p: number, c: Uint8Array, max: number) => {
      live(card, 'sending a command');
      return opts.transmit ? opts.transmit(c, max) : new Uint8Array([0x90, 0x00]);
    }) as never,
    beginTransaction: ((card: unknown) => live(card, 'starting a PC/SC transaction')) as never,
    endTransaction: (() => undefined) as never,
    disconnect: (() => undefined) as never,
    reconnect: ((card: unknown) => {
      live(card, 'reconnecting');
      return SCARD.PROTOCOL_T1;
    }) as never,
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

describe('PcscTransport when the PC/SC service restarts', () => {
  const restarted = () => {
    const service: FakeService = { up: true, run: 0 };
    const readers = [{ name: 'Reader A', present: true }];
    const fake = fakeScard({ readers, service });
    return { service, readers, fake, t: new PcscTransport({ scard: fake.scard, reader: 'Reader A', timeoutMs: 300 }) };
  };
  const OK = new Uint8Array([0x90, 0x00]);

  it('a command after the restart is not sent: card-reset, connected again, and the next command works', async () => {
    const { service, fake, t } = restarted();
    await t.connect();
    expect(await t.transmit(SELECT)).toEqual(OK);
    service.run++;
    fake.log.length = 0;
    await expect(t.transmit(SELECT)).rejects.toMatchObject({
      reason: 'card-reset',
      message: /card was reset.*start the command sequence again/,
    });
    // The dead handle's command failed, then a new context and card handle on the same reader.
    expect(fake.log).toEqual(['transmit', 'establishContext', 'listReaders', 'getStatusChange', 'connect', 'status']);
    expect(await t.transmit(SELECT)).toEqual(OK);
    expect(t.name).toBe('Reader A');
  });

  it('the next exclusive section, transaction or reset reconnects without an error: it starts from the card as it is', async () => {
    const { service, fake, t } = restarted();
    await t.connect();
    service.run++;
    await t.beginExclusive();
    expect(await t.transmit(SELECT)).toEqual(OK);
    await t.endExclusive();
    service.run++;
    expect(await t.transaction(async (card) => card.transmit(SELECT))).toEqual(OK);
    service.run++;
    await t.reset();
    expect(await t.transmit(SELECT)).toEqual(OK);
    expect(fake.log.filter((m) => m === 'connect')).toHaveLength(4);
  });

  it('while the service is still down every call says no-service; once it is back the next call reconnects', async () => {
    const { service, t } = restarted();
    await t.connect();
    service.up = false;
    service.run++;
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'no-service' });
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'no-service' });
    await expect(t.beginExclusive()).rejects.toMatchObject({ reason: 'no-service' });
    service.up = true;
    await t.beginExclusive();
    expect(await t.transmit(SELECT)).toEqual(OK);
    await t.endExclusive();
  });

  it('never takes another reader or a card that is not back: then connect() is needed', async () => {
    const { service, readers, t } = restarted();
    await t.connect();
    service.run++;
    readers[0]!.present = false;
    readers.push({ name: 'Reader B', present: true });
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'no-service' });
    await expect(t.transmit(SELECT)).rejects.toMatchObject({ reason: 'no-card', message: /call connect\(\) again/ });
    readers[0]!.present = true;
    await expect(t.beginExclusive()).rejects.toMatchObject({ reason: 'no-card' });
    await t.connect();
    expect(t.name).toBe('Reader A');
    expect(await t.transmit(SELECT)).toEqual(OK);
  });
});
