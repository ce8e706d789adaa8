// PcscdSocket (pcsc-lite's client protocol spoken on the event loop) and PcscdCardCalls (which
// calls go to it and which to the library's thread) against a fake pcscd on a thread of its own:
// no pcscd needed. The real path is tested through pcscd + vpcd in test/pcsc/.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCARD } from '../../src/transport/pcsc/pcsc-platform.js';
import { PcscdCardCalls } from '../../src/transport/pcsc/pcscd-card-calls.js';
import { PcscdSocket } from '../../src/transport/pcsc/pcscd-socket.js';
import { ScardError } from '../../src/transport/pcsc/scard-error.js';
import type { ScardLibrary } from '../../src/transport/pcsc/scard-library.js';
import type { ScardCalls, ScardMethod } from '../../src/transport/pcsc/scard-thread.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { bytesField, CMD, FakePcscd, fakeControlOutput, fakeResponse, field, INSUFFICIENT_BUFFER } from './fake-pcscd.js';

const SHARING_VIOLATION = 0x8010000b;
const SERVICE_STOPPED = 0x8010001e;
const REMOVED_CARD = 0x80100069;
const T1 = 2;
/** SCARD_IO_REQUEST as libpcsclite sends it: two C `unsigned long`s. */
const PCI_LENGTH = process.arch.endsWith('64') ? 16 : 8;
const TIMEOUT = 5000;
/** How late a deadline may be met on a loaded machine: a correctness bound, not a timing one. */
const MARGIN = 1500;
const SELECT = Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);

let fake: FakePcscd;
const opened: PcscdSocket[] = [];

async function open(timeoutMs = TIMEOUT): Promise<PcscdSocket> {
  const socket = await PcscdSocket.open(timeoutMs, fake.path);
  opened.push(socket);
  return socket;
}

/** An open connection with a card connected on it. */
async function withCard(): Promise<{ socket: PcscdSocket; card: number; protocol: number }> {
  const socket = await open();
  const { card, protocol } = await socket.connect('Fake Reader 00 00', SCARD.SHARE_SHARED, T1, TIMEOUT, 'connecting');
  return { socket, card, protocol };
}

/** The rejection of `promise` (fails the test if it resolves) and when it came. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; at: number }> {
  try {
    await promise;
  } catch (error) {
    return { error, at: performance.now() };
  }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function withEnv<T>(name: string, value: string | undefined, body: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  return body().finally(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
}

beforeAll(async () => {
  fake = await FakePcscd.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(async () => {
  await fake.reset();
});

afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

describe('PcscdSocket.open', () => {
  it('states protocol 4.4 first, then opens a context of system scope', async () => {
    await open();
    const requests = await fake.requests();
    expect(requests.map((r) => r.command)).toEqual([CMD.VERSION, CMD.ESTABLISH_CONTEXT]);
    const [version, establish] = requests as [(typeof requests)[0], (typeof requests)[0]];
    expect([field(version, 'major'), field(version, 'minor')]).toEqual([4, 4]);
    expect(field(establish, 'scope')).toBe(SCARD.SCOPE_SYSTEM);
  });

  it('uses the context pcscd gave for its card connections', async () => {
    await fake.reset({ context: 0x7e57c0de });
    await withCard();
    const [connect] = await fake.requests(CMD.CONNECT);
    expect(connect && field(connect, 'context')).toBe(0x7e57c0de);
  });

  it('fails with a ScardError when pcscd refuses our protocol version, and opens no context', async () => {
    await fake.plan(CMD.VERSION, { rv: SERVICE_STOPPED });
    const { error } = await rejection(PcscdSocket.open(TIMEOUT, fake.path));
    expect(error).toBeInstanceOf(ScardError);
    expect((error as ScardError).scardCode).toBe(SERVICE_STOPPED);
    expect((error as ScardError).reason).toBe('no-service');
    expect((await fake.requests()).map((r) => r.command)).toEqual([CMD.VERSION]);
  });

  it('states the version a newer pcscd answered from then on (its mismatch logged once), and 4.4 again to an older one', async () => {
    const statedMinors = async (): Promise<number[]> => (await fake.requests(CMD.VERSION)).map((r) => field(r, 'minor'));
    await fake.reset({ serverMinor: 6 });
    await open();
    await open();
    expect(await statedMinors()).toEqual([4, 6]);
    // pcscd replaced by a 1.9 (4.4 only): 4.6 is refused, and the same open states 4.4 instead.
    await fake.reset({ serverMinor: 4 });
    await open();
    expect(await statedMinors()).toEqual([6, 4]);
    await fake.reset();
    await open();
    expect(await statedMinors()).toEqual([4]);
  });

  it("fails with ScardError reason 'no-service' when nothing listens at the path", async () => {
    const { error } = await rejection(PcscdSocket.open(TIMEOUT, fake.nowhere));
    expect(error).toBeInstanceOf(ScardError);
    expect((error as ScardError).reason).toBe('no-service');
  });
});

describe('PcscdSocket.connect', () => {
  it("sends the reader's name NUL-padded in its 128-byte field, the share mode and protocols; returns pcscd's card and protocol", async () => {
    await fake.reset({ card: 0x11223344, protocol: 1 });
    const socket = await open();
    const reader = 'Lecteur à puce 01 00';
    const connected = await socket.connect(reader, SCARD.SHARE_EXCLUSIVE, SCARD.PROTOCOL_T0 | SCARD.PROTOCOL_T1, TIMEOUT, 'connecting');
    expect(connected).toEqual({ card: 0x11223344, protocol: 1 });
    const [request] = await fake.requests(CMD.CONNECT);
    if (!request) throw new Error('no CONNECT received');
    const name = new TextEncoder().encode(reader);
    const field128 = bytesField(request, 'reader', 128);
    expect(field128.subarray(0, name.length)).toEqual(name);
    expect(field128.subarray(name.length).every((byte) => byte === 0)).toBe(true);
    expect(field(request, 'share')).toBe(SCARD.SHARE_EXCLUSIVE);
    expect(field(request, 'protocols')).toBe(SCARD.PROTOCOL_T0 | SCARD.PROTOCOL_T1);
  });

  it('refuses a reader name of 128 bytes or more without sending it (no room for its NUL)', async () => {
    const socket = await open();
    const { error } = await rejection(socket.connect('R'.repeat(128), SCARD.SHARE_SHARED, T1, TIMEOUT, 'connecting'));
    expect(error).toBeInstanceOf(ScardError);
    expect((error as ScardError).reason).toBe('no-reader');
    expect(await fake.requests(CMD.CONNECT)).toEqual([]);
    // The connection is still good for a name that fits.
    await expect(socket.connect('R'.repeat(127), SCARD.SHARE_SHARED, T1, TIMEOUT, 'connecting')).resolves.toMatchObject({ protocol: T1 });
  });
});

describe('PcscdSocket.transmit', () => {
  it("sends the card, protocol, PCI lengths, the command's length and bytes, and the longest answer wanted", async () => {
    const { socket, card } = await withCard();
    const response = await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting');
    expect(response).toEqual(fakeResponse(SELECT));
    const [request] = await fake.requests(CMD.TRANSMIT);
    if (!request) throw new Error('no TRANSMIT received');
    expect(field(request, 'card')).toBe(card >>> 0);
    expect(field(request, 'sendProtocol')).toBe(T1);
    expect(field(request, 'sendPciLength')).toBe(PCI_LENGTH);
    expect(field(request, 'sendLength')).toBe(SELECT.length);
    expect(field(request, 'recvProtocol')).toBe(T1);
    expect(field(request, 'recvPciLength')).toBe(PCI_LENGTH);
    expect(field(request, 'recvLength')).toBe(258);
    expect(request.extra).toEqual(SELECT);
  });

  it('returns the answer as a plain Uint8Array of its own, unchanged by later traffic', async () => {
    const { socket, card } = await withCard();
    const first = await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting');
    expect(Buffer.isBuffer(first)).toBe(false);
    expect(first.constructor).toBe(Uint8Array);
    const kept = Uint8Array.from(first);
    for (let i = 0; i < 20; i++) {
      const command = Uint8Array.from({ length: 5 + i * 13 }, (_, j) => (i * 31 + j) & 0xff);
      expect(await socket.transmit(card, T1, command, 512, TIMEOUT, 'reading')).toEqual(fakeResponse(command));
    }
    expect(first).toEqual(kept);
  });

  it('puts together an answer that arrives one byte at a time', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 1, chunkDelayMs: 1 });
    expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    // And the next answer, whole, is read from where that one ended.
    expect(await socket.transmit(card, T1, Uint8Array.of(0x80, 0x5c, 0x00, 0x02, 0x04), 258, TIMEOUT, 'balance')).toEqual(
      fakeResponse(Uint8Array.of(0x80, 0x5c, 0x00, 0x02, 0x04)),
    );
  });

  it("fails with pcscd's code, reads nothing after a refused answer's struct, and the next call works", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: REMOVED_CARD });
    const { error } = await rejection(socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting'));
    expect(error).toBeInstanceOf(ScardError);
    expect((error as ScardError).scardCode).toBe(REMOVED_CARD);
    expect((error as ScardError).reason).toBe('card-removed');
    expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    expect(socket.ended).toBe(false);
  });

  it('receives a long (extended-length) answer arriving in pieces', async () => {
    const { socket, card } = await withCard();
    const command = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7) & 0xff);
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 700, chunkDelayMs: 2 });
    expect(await socket.transmit(card, T1, command, 65_538, TIMEOUT, 'reading a long record')).toEqual(fakeResponse(command));
  });

  it('fails with SCARD_E_INSUFFICIENT_BUFFER when the answer is longer than maxResponse, the connection still good', async () => {
    const { socket, card } = await withCard();
    const { error } = await rejection(socket.transmit(card, T1, SELECT, SELECT.length + 1, TIMEOUT, 'selecting'));
    expect((error as ScardError).scardCode).toBe(INSUFFICIENT_BUFFER);
    expect(await socket.transmit(card, T1, SELECT, SELECT.length + 2, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
  });

  it('answers transmits made at once in the order they were made', async () => {
    const { socket, card } = await withCard();
    // The first answer comes slowly: the others must wait for it, not overtake it.
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 4, chunkDelayMs: 5 });
    const commands = [0, 1, 2, 3, 4].map((i) => Uint8Array.from({ length: 5 + i }, (_, j) => 0x10 * i + j));
    const answers = await Promise.all(commands.map((command) => socket.transmit(card, T1, command, 258, TIMEOUT, 'reading')));
    expect(answers).toEqual(commands.map(fakeResponse));
    expect((await fake.requests(CMD.TRANSMIT)).map((r) => r.extra)).toEqual(commands);
  });
});

describe('another program holding the card (SCARD_E_SHARING_VIOLATION)', () => {
  it('transmit asks again about 100 ms later and succeeds once pcscd stops refusing', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: 2 });
    const started = performance.now();
    expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 90);
    expect(await fake.requests(CMD.TRANSMIT)).toHaveLength(3);
  });

  it('beginTransaction asks again and succeeds once pcscd stops refusing', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.BEGIN_TRANSACTION, { rv: SHARING_VIOLATION, times: 2 });
    await socket.beginTransaction(card, TIMEOUT, 'beginning a transaction');
    expect(await fake.requests(CMD.BEGIN_TRANSACTION)).toHaveLength(3);
  });

  it("transmit fails at once with reason 'sharing-violation' when PCSCLITE_NO_BLOCKING is set; beginTransaction still waits (as libpcsclite)", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: Infinity });
    await fake.plan(CMD.BEGIN_TRANSACTION, { rv: SHARING_VIOLATION, times: 1 });
    await withEnv('PCSCLITE_NO_BLOCKING', '1', async () => {
      const { error } = await rejection(socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting'));
      expect(error).toBeInstanceOf(ScardError);
      expect((error as ScardError).reason).toBe('sharing-violation');
      await socket.beginTransaction(card, TIMEOUT, 'begin');
    });
    expect(await fake.requests(CMD.TRANSMIT)).toHaveLength(1);
    expect(await fake.requests(CMD.BEGIN_TRANSACTION)).toHaveLength(2);
  });

  it("fails with TransportError('timeout') when the card is held past the call's deadline", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: Infinity });
    await fake.plan(CMD.BEGIN_TRANSACTION, { rv: SHARING_VIOLATION, times: Infinity });
    for (const call of [
      () => socket.transmit(card, T1, SELECT, 258, 500, 'selecting'),
      () => socket.beginTransaction(card, 500, 'begin'),
    ]) {
      const started = performance.now();
      const { error, at } = await rejection(call());
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).reason).toBe('timeout');
      expect(at - started).toBeLessThan(500 + MARGIN);
    }
    // Refusals are answers: the connection is still good.
    expect(socket.ended).toBe(false);
  });

  // The retries' deadline counts from the first attempt: a short one must not turn into "none".
  it("a transmit with a deadline of 100 ms or less also gives up with 'timeout' while the card is held", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: Infinity });
    const outcome = await Promise.race([
      socket.transmit(card, T1, SELECT, 258, 100, 'selecting').then(
        () => 'answered',
        (error: unknown) => (error instanceof TransportError ? error.reason : 'other'),
      ),
      new Promise((resolve) => setTimeout(resolve, 100 + MARGIN, 'still asking')),
    ]);
    socket.close();
    expect(outcome).toBe('timeout');
  });
});

describe('a pcscd that does not answer', () => {
  it("fails the call with TransportError('timeout') at its deadline, ends the connection and the queued calls, without blocking the event loop", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { silent: true });
    const timeoutMs = 600;
    const started = performance.now();
    let timerFiredAt = 0;
    setTimeout(() => {
      timerFiredAt = performance.now();
    }, 50);
    const first = rejection(socket.transmit(card, T1, SELECT, 258, timeoutMs, 'selecting'));
    const queued = rejection(socket.transmit(card, T1, SELECT, 258, timeoutMs, 'selecting again'));
    const { error, at } = await first;
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).reason).toBe('timeout');
    expect(at - started).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(at - started).toBeLessThan(timeoutMs + MARGIN);
    expect(socket.ended).toBe(true);
    const second = await queued;
    expect((second.error as TransportError).reason).toBe('timeout');
    // The test's own timer ran while the call waited.
    expect(timerFiredAt).toBeGreaterThan(0);
    expect(timerFiredAt).toBeLessThan(at);
    // A call after the end fails at once.
    const later = await rejection(socket.transmit(card, T1, SELECT, 258, timeoutMs, 'later'));
    expect((later.error as TransportError).reason).toBe('timeout');
    expect(await fake.requests(CMD.TRANSMIT)).toHaveLength(1);
  });

  it("fails open() with TransportError('timeout') when the version is never answered", async () => {
    await fake.plan(CMD.VERSION, { silent: true });
    const started = performance.now();
    const { error, at } = await rejection(PcscdSocket.open(400, fake.path));
    expect((error as TransportError).reason).toBe('timeout');
    expect(at - started).toBeLessThan(400 + MARGIN);
  });
});

describe('pcscd closing the connection', () => {
  it("fails the call in progress with ScardError reason 'no-service', and every later call at once", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { close: true });
    const { error } = await rejection(socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting'));
    expect(error).toBeInstanceOf(ScardError);
    expect((error as ScardError).reason).toBe('no-service');
    expect(socket.ended).toBe(true);
    const started = performance.now();
    const later = await rejection(socket.beginTransaction(card, TIMEOUT, 'begin'));
    expect((later.error as ScardError).reason).toBe('no-service');
    expect(later.at - started).toBeLessThan(TIMEOUT);
    expect((thrown(() => socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')) as ScardError).reason).toBe('no-service');
    expect(await fake.requests(CMD.BEGIN_TRANSACTION)).toEqual([]);
  });
});

describe('busy-polling for the answer (the default)', () => {
  it('a loop of fast transmits gets every answer right and still lets the event loop run between them', async () => {
    const { socket, card } = await withCard();
    let turns = 0;
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const commands = Array.from({ length: 300 }, (_, i) => Uint8Array.from([0x00, 0xb0, 0x00, i & 0xff, 0x02]));
    for (const command of commands)
      expect(await socket.transmit(card, T1, command, 258, TIMEOUT, 'reading')).toEqual(fakeResponse(command));
    running = false;
    // An answer read while awake is settled from a setImmediate: the event loop turned between
    // (nearly) every two transmits instead of being held for the whole loop.
    expect(turns).toBeGreaterThan(commands.length / 2);
  });

  it('keeps the bytes in order when the answer arrives partly while polling and partly later', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 5, chunkDelayMs: 1, times: 20 });
    for (let i = 0; i < 20; i++) {
      const command = Uint8Array.from({ length: 6 + i }, (_, j) => (i * 13 + j) & 0xff);
      expect(await socket.transmit(card, T1, command, 258, TIMEOUT, 'reading')).toEqual(fakeResponse(command));
    }
  });

  it('stops polling after three slow answers in a row, and answers stay right', async () => {
    const { socket, card } = await withCard();
    // Each answer takes ≥ 5 ms: longer than any busy-poll.
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 1000, chunkDelayMs: 5, times: 4 });
    for (let i = 0; i < 4; i++) expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    const state = socket as unknown as { busyPollPause: number };
    expect(state.busyPollPause).toBeGreaterThan(90);
  });

  it('busyPollMicros 0: the answers come through the event loop alone', async () => {
    const socket = await PcscdSocket.open(TIMEOUT, fake.path, { busyPollMicros: 0 });
    opened.push(socket);
    const { card } = await socket.connect('Fake Reader 00 00', SCARD.SHARE_SHARED, T1, TIMEOUT, 'connecting');
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 1000, chunkDelayMs: 5, times: 4 });
    for (let i = 0; i < 4; i++) expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    expect((socket as unknown as { busyPollMisses: number }).busyPollMisses).toBe(0);
  });
});

describe('PcscdSocket.transmitSync', () => {
  it('sends the same request as transmit and returns the same answer', async () => {
    const { socket, card } = await withCard();
    await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting');
    const answer = socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting');
    expect(answer).toEqual(fakeResponse(SELECT));
    const [viaAsync, viaSync] = await fake.requests(CMD.TRANSMIT);
    expect(viaSync?.struct).toEqual(viaAsync?.struct);
    expect(viaSync?.extra).toEqual(SELECT);
    // The connection goes on with asynchronous calls afterwards.
    expect(await socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
  });

  it('puts together an answer that arrives one byte at a time', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 1, chunkDelayMs: 1 });
    const command = Uint8Array.from({ length: 40 }, (_, i) => i);
    expect(socket.transmitSync(card, T1, command, 258, TIMEOUT, 'reading')).toEqual(fakeResponse(command));
    expect(socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
  });

  it('receives a long (extended-length) answer arriving in pieces, and a short one after it', async () => {
    const { socket, card } = await withCard();
    const command = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7) & 0xff);
    await fake.plan(CMD.TRANSMIT, { chunkBytes: 700, chunkDelayMs: 2 });
    expect(socket.transmitSync(card, T1, command, 65_538, TIMEOUT, 'reading a long record')).toEqual(fakeResponse(command));
    expect(socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    const error = thrown(() => socket.transmitSync(card, T1, SELECT, SELECT.length + 1, TIMEOUT, 'selecting'));
    expect((error as ScardError).scardCode).toBe(INSUFFICIENT_BUFFER);
    expect(socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
  });

  it("fails with pcscd's code and leaves the connection usable", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: REMOVED_CARD });
    const error = thrown(() => socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting'));
    expect((error as ScardError).scardCode).toBe(REMOVED_CARD);
    expect(socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
  });

  it("fails with TransportError('timeout') after about its deadline when pcscd does not answer, and ends the connection", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { silent: true });
    const started = performance.now();
    const error = thrown(() => socket.transmitSync(card, T1, SELECT, 258, 500, 'selecting'));
    const took = performance.now() - started;
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).reason).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(490);
    expect(took).toBeLessThan(500 + MARGIN);
    expect(socket.ended).toBe(true);
    await expect(socket.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).rejects.toBe(error);
  });

  it('asks again while another program holds the card, and succeeds once pcscd stops refusing', async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: 2 });
    expect(socket.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
    expect(await fake.requests(CMD.TRANSMIT)).toHaveLength(3);
  });

  it("gives up with 'timeout' when the card is held past its deadline, the connection still good", async () => {
    const { socket, card } = await withCard();
    await fake.plan(CMD.TRANSMIT, { rv: SHARING_VIOLATION, times: 8 });
    const error = thrown(() => socket.transmitSync(card, T1, SELECT, 258, 350, 'selecting'));
    expect((error as TransportError).reason).toBe('timeout');
    expect(socket.ended).toBe(false);
  });
});

describe('the other card calls', () => {
  it('control sends its input after the struct and returns dwBytesReturned bytes', async () => {
    const { socket, card } = await withCard();
    const input = Uint8Array.of(0x06, 0x00, 0x00, 0x00, 0x01, 0x02);
    const output = await socket.control(card, 0x42000d48, input, 1024, TIMEOUT, 'features');
    expect(output).toEqual(fakeControlOutput(input));
    const [request] = await fake.requests(CMD.CONTROL);
    if (!request) throw new Error('no CONTROL received');
    expect(field(request, 'card')).toBe(card >>> 0);
    expect(field(request, 'code')).toBe(0x42000d48);
    expect(field(request, 'sendLength')).toBe(input.length);
    expect(field(request, 'recvLength')).toBe(1024);
    expect(request.extra).toEqual(input);
    // A refused control carries no bytes after its struct: the next call is read right.
    await fake.plan(CMD.CONTROL, { rv: REMOVED_CARD });
    await expect(socket.control(card, 0x42000d48, input, 1024, TIMEOUT, 'features')).rejects.toBeInstanceOf(ScardError);
    expect(await socket.control(card, 0x42000d48, Uint8Array.of(1), 1024, TIMEOUT, 'features')).toEqual(Uint8Array.of(0xfe));
  });

  it('getAttribute returns cbAttrLen bytes of the pbAttr field', async () => {
    await fake.reset({ attribute: [0x3b, 0x02, 0x14, 0x50, 0x77] });
    const { socket, card } = await withCard();
    const value = await socket.getAttribute(card, 0x00090303, TIMEOUT, 'reading the ATR');
    expect(value).toEqual(Uint8Array.of(0x3b, 0x02, 0x14, 0x50, 0x77));
    const [request] = await fake.requests(CMD.GET_ATTRIB);
    expect(request && field(request, 'attribute')).toBe(0x00090303);
    expect(request && field(request, 'card')).toBe(card >>> 0);
  });

  it('reconnect sends the share mode, protocols and initialization, and returns the new protocol', async () => {
    await fake.reset({ reconnectProtocol: 1 });
    const { socket, card } = await withCard();
    expect(await socket.reconnect(card, SCARD.SHARE_SHARED, SCARD.PROTOCOL_T0, SCARD.RESET_CARD, TIMEOUT, 'reset')).toBe(1);
    const [request] = await fake.requests(CMD.RECONNECT);
    if (!request) throw new Error('no RECONNECT received');
    expect([field(request, 'card'), field(request, 'share'), field(request, 'protocols'), field(request, 'initialization')]).toEqual([
      card >>> 0,
      SCARD.SHARE_SHARED,
      SCARD.PROTOCOL_T0,
      SCARD.RESET_CARD,
    ]);
  });

  it('endTransaction and disconnect send their disposition', async () => {
    const { socket, card } = await withCard();
    await socket.beginTransaction(card, TIMEOUT, 'begin');
    await socket.endTransaction(card, SCARD.RESET_CARD, TIMEOUT, 'end');
    await socket.disconnect(card, SCARD.UNPOWER_CARD, TIMEOUT, 'disconnect');
    const [end] = await fake.requests(CMD.END_TRANSACTION);
    const [disconnect] = await fake.requests(CMD.DISCONNECT);
    expect(end && [field(end, 'card'), field(end, 'disposition')]).toEqual([card >>> 0, SCARD.RESET_CARD]);
    expect(disconnect && [field(disconnect, 'card'), field(disconnect, 'disposition')]).toEqual([card >>> 0, SCARD.UNPOWER_CARD]);
  });

  it('close() releases the context', async () => {
    const socket = await open();
    socket.close();
    expect(socket.ended).toBe(true);
    await expect.poll(async () => (await fake.requests(CMD.RELEASE_CONTEXT)).map((r) => field(r, 'context'))).toEqual([0x0c0ffee1]);
  });
});

/** A library thread that answers the context calls and logs what it was asked. */
class FakeThread implements ScardCalls {
  abandoned = false;
  readonly log: { method: string; args: unknown[] }[] = [];
  closed = false;
  constructor(private readonly atr: Uint8Array) {}
  async call<M extends ScardMethod>(method: M, args: Parameters<ScardLibrary[M]>, _timeoutMs: number, _doing: string) {
    this.log.push({ method, args });
    const answers: Partial<Record<ScardMethod, unknown>> = {
      listReaders: ['Fake Reader 00 00'],
      getStatusChange: [
        { reader: 'Fake Reader 00 00', currentState: 0, eventState: SCARD.STATE_PRESENT | SCARD.STATE_CHANGED, atr: this.atr },
      ],
      connect: { card: 77, protocol: T1 },
      status: { reader: 'Fake Reader 00 00', state: 0x40, protocol: T1, atr: this.atr },
      beginTransaction: undefined,
    };
    if (!(method in answers)) throw new Error(`unexpected ${method} on the thread`);
    return answers[method] as ReturnType<ScardLibrary[M]>;
  }
  async transmit(card: number | bigint, protocol: number, command: Uint8Array, maxResponse: number) {
    this.log.push({ method: 'transmit', args: [card, protocol, command, maxResponse] });
    return Uint8Array.of(0x6a, 0x82);
  }
  close(): void {
    this.closed = true;
  }
}

describe('PcscdCardCalls', () => {
  const ATR = Uint8Array.of(0x3b, 0x6c, 0x00, 0x00);
  const CONTEXT = 5;

  /** `body` with PcscdCardCalls over a FakeThread, pcscd's socket looked for at `socketPath`. */
  function withCardCalls(socketPath: string, body: (calls: PcscdCardCalls, thread: FakeThread) => Promise<void>): Promise<FakeThread> {
    return withEnv('PCSCLITE_CSOCK_NAME', socketPath, async () => {
      const thread = new FakeThread(ATR);
      const calls = new PcscdCardCalls(thread);
      try {
        await body(calls, thread);
      } finally {
        calls.close();
      }
      return thread;
    });
  }

  async function connect(calls: PcscdCardCalls): Promise<{ card: number | bigint; protocol: number }> {
    return calls.call('connect', [CONTEXT, 'Fake Reader 00 00', SCARD.SHARE_SHARED, T1], TIMEOUT, 'connecting');
  }

  it("connects through pcscd's socket, keeps that card's calls there and the context calls on the thread", async () => {
    const used = await withCardCalls(fake.path, async (calls, thread) => {
      expect(await calls.call('listReaders', [CONTEXT], TIMEOUT, 'listing')).toEqual(['Fake Reader 00 00']);
      const { card, protocol } = await connect(calls);
      expect(card).toBe(0x2a3b4c5d);
      expect(protocol).toBe(T1);
      expect(await calls.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
      expect(calls.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(fakeResponse(SELECT));
      await calls.call('beginTransaction', [card], TIMEOUT, 'begin');
      await calls.call('endTransaction', [card, SCARD.LEAVE_CARD], TIMEOUT, 'end');
      const output = await calls.call('control', [card, 0x42000d48, Uint8Array.of(1, 2)], TIMEOUT, 'features');
      expect(output).toEqual(Uint8Array.of(0xfe, 0xfd));

      // Status: pcscd checks the handle, the thread's GetStatusChange (on the caller's context) gives the ATR.
      const status = await calls.call('status', [card], TIMEOUT, 'status');
      expect(status).toEqual({ reader: 'Fake Reader 00 00', state: 0x0040, protocol: T1, atr: ATR });
      const stateCall = thread.log.find((entry) => entry.method === 'getStatusChange');
      expect(stateCall?.args[0]).toBe(CONTEXT);
      expect(stateCall?.args[2]).toEqual([{ reader: 'Fake Reader 00 00', currentState: SCARD.STATE_UNAWARE }]);

      await calls.call('disconnect', [card, SCARD.LEAVE_CARD], TIMEOUT, 'disconnect');
      expect(thread.log.map((entry) => entry.method)).toEqual(['listReaders', 'getStatusChange']);
      expect((await fake.requests()).map((r) => r.command)).toEqual([
        CMD.VERSION,
        CMD.ESTABLISH_CONTEXT,
        CMD.CONNECT,
        CMD.TRANSMIT,
        CMD.TRANSMIT,
        CMD.BEGIN_TRANSACTION,
        CMD.END_TRANSACTION,
        CMD.CONTROL,
        CMD.STATUS,
        CMD.DISCONNECT,
      ]);
    });
    expect(used.closed).toBe(true);
  });

  it('sends a context call to the thread even when its context handle equals a socket card handle in value', async () => {
    await withCardCalls(fake.path, async (calls, thread) => {
      const { card } = await connect(calls);
      await calls.call('getStatusChange', [card, 0, [{ reader: 'Fake Reader 00 00', currentState: 0 }]], TIMEOUT, 'state');
      await calls.call('listReaders', [card], TIMEOUT, 'listing');
      expect(thread.log.map((entry) => entry.method)).toEqual(['getStatusChange', 'listReaders']);
    });
  });

  it("status() fails with pcscd's code when pcscd says the handle is no longer good", async () => {
    await withCardCalls(fake.path, async (calls) => {
      const { card } = await connect(calls);
      await fake.plan(CMD.STATUS, { rv: REMOVED_CARD });
      const { error } = await rejection(calls.call('status', [card], TIMEOUT, 'status'));
      expect((error as ScardError).reason).toBe('card-removed');
    });
  });

  it('connects through the library where nothing listens at the socket path, and keeps that card there', async () => {
    await withCardCalls(fake.nowhere, async (calls, thread) => {
      const { card } = await connect(calls);
      expect(card).toBe(77);
      expect(await calls.transmit(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toEqual(Uint8Array.of(0x6a, 0x82));
      expect(calls.transmitSync(card, T1, SELECT, 258, TIMEOUT, 'selecting')).toBeUndefined();
      await calls.call('beginTransaction', [card], TIMEOUT, 'begin');
      expect(await calls.call('status', [card], TIMEOUT, 'status')).toMatchObject({ atr: ATR });
      expect(thread.log.map((entry) => entry.method)).toEqual(['connect', 'transmit', 'beginTransaction', 'status']);
    });
    expect(await fake.requests()).toEqual([]);
  });
});
