import { connect, type Socket } from 'node:net';
import { TransportError } from '../transport-error.js';
import { blockingSocketIo, SOCKET_WAIT_TIMED_OUT, sleepSync, socketFd } from './blocking-socket-io.js';
import { DeadlineWatchdog, pcscCallOverdue } from './deadline-watchdog.js';
import { SCARD_E } from './pcsc-platform.js';
import {
  ATTRIBUTE_BYTES,
  CMD,
  message,
  PCSCD_MAX_COMMAND,
  PCSCD_PROTOCOL,
  PCSCD_STRUCTS,
  pcscdSocketPath,
  READER_NAME_BYTES,
  SCOPE_SYSTEM,
  transmitExtra,
  transmitRequest,
} from './pcscd-messages.js';
import { ScardError } from './scard-error.js';

/**
 * A client of pcscd's own socket (pcsc-lite on Linux) for the calls on a card handle: connect,
 * reconnect, disconnect, transactions, transmit, control, attributes, status. What
 * libpcsclite.so does inside SCardTransmit and its siblings, done on the event loop: the request
 * is written to the socket and the event loop wakes once, when pcscd's answer arrives (or not at
 * all: see DEFAULT_BUSY_POLL_MICROS). Through a thread of our own (ScardThread) the same answer
 * costs two thread wake-ups: 0.58–0.76× pyscard's APDU rate, against 1.2–1.5× this way
 * (BENCHMARKS.md, issue 15).
 *
 * pcsc-lite's message protocol (its winscard_msg.h; the messages in pcscd-messages.ts) is
 * private to pcsc-lite but versioned: a client states its version first, and pcscd refuses one it
 * does not speak. We speak 4.4 to 4.6 (pcsc-lite 1.9 to 2.x, see PCSCD_PROTOCOL); where pcscd
 * refuses them, or its socket is elsewhere, the card stays on the platform library
 * (PcscdCardCalls). A transmit or control sends its bytes after the struct and, on success,
 * receives the answer's bytes after the answered struct. A connection is one PC/SC context: card
 * handles are valid on the connection that made them only.
 */

/** The minor version the next connection states: 4.4, or what a pcscd answered before. */
let statedMinor: number = PCSCD_PROTOCOL.minor;
/**
 * PCSCLITE_LOCK_POLL_RATE: while another program holds the card (its transaction, or an exclusive
 * connection), pcscd answers SCARD_E_SHARING_VIOLATION to a transmit, a begin-transaction, a
 * reconnect or a status, and libpcsclite asks again every 100 ms until it may (unless
 * $PCSCLITE_NO_BLOCKING is set). So do we, within the call's deadline.
 */
const SHARING_RETRY_MS = 100;
/**
 * Busy-polling, the default: after writing a request, read the socket for the answer for up to
 * this long before leaving it to the event loop (or, in transmitSync, to poll()). Sleeping and
 * being woken costs this 2-vCPU VM 20–60 µs per answer, more than a virtual reader's whole answer
 * time, and pyscard pays it too; a fast answer read while still awake does not. A real reader
 * (USB CCID: a millisecond or more per APDU) never answers within it: after BUSY_POLL_MISSES misses
 * in a row the next BUSY_POLL_PAUSE calls do not try, which costs a slow reader ≈ 2 µs per
 * APDU on average (a single miss, a moment the machine was busy, changes nothing). The
 * event loop is held for at most this long per APDU, and an answer found so is settled from a
 * setImmediate, so other work runs between two APDUs.
 */
export const DEFAULT_BUSY_POLL_MICROS = 200;
const BUSY_POLL_PAUSE = 100;
const BUSY_POLL_MISSES = 3;

/** One call on its way: its request bytes and how to read its answer. */
interface PendingCall {
  readonly request: Uint8Array;
  /** Size of the answered struct. */
  readonly answerSize: number;
  /** From the answered struct: how many bytes follow it (0: none). */
  readonly extraLength: (answer: DataView) => number;
  readonly timeoutMs: number;
  readonly doing: string;
  readonly resolve: (answer: { struct: DataView; extra: Uint8Array }) => void;
  readonly reject: (error: unknown) => void;
  deadline: number;
}

/**
 * One connection to pcscd, holding one PC/SC context. Calls run one at a time in the order made
 * (pcscd answers a connection's requests in order); each has a deadline, and one that outlives
 * it ends the connection (its card handles go with it; pcscd releases them) and fails with
 * TransportError('timeout'). A connection pcscd closes fails its calls with SCARD_E_NO_SERVICE.
 */
export class PcscdSocket {
  private readonly socket: Socket;
  private context = 0;
  private current: PendingCall | undefined;
  private readonly waiting: PendingCall[] = [];
  /** Bytes received and not yet used. */
  private received: Uint8Array = new Uint8Array(0);
  private failure: Error | undefined;
  private readonly watchdog = new DeadlineWatchdog(
    () => (this.current && this.current.deadline !== Infinity ? this.current.deadline : undefined),
    () => this.onOverdue(),
  );
  /** transmitSync's receive buffer, kept between calls. */
  private syncAnswer: Uint8Array | undefined;
  /** How long a call busy-polls for its answer (µs; 0: never). */
  private readonly busyPollMicros: number;
  /** Busy-polls in a row that found no answer in time. */
  private busyPollMisses = 0;
  /** Calls that will not busy-poll, since the last ones that did found no answer in time. */
  private busyPollPause = 0;
  /** The busy-poll's receive buffer. */
  private readonly busyPollBuffer = new Uint8Array(4096);

  private constructor(socket: Socket, busyPollMicros: number) {
    this.socket = socket;
    this.busyPollMicros = busyPollMicros;
    socket.setNoDelay?.(true);
    socket.on('data', this.onData);
    socket.on('error', (error) => this.end(noService(`the connection to pcscd failed (${error.message})`)));
    socket.on('close', () => this.end(noService('pcscd closed the connection')));
  }

  /**
   * Connects to pcscd, states our protocol version and opens a context. Fails with
   * ScardError(SCARD_E_NO_SERVICE) when nothing listens at `path`, and with
   * SCARD_E_SERVICE_STOPPED when pcscd does not speak our version. `busyPollMicros`: see
   * DEFAULT_BUSY_POLL_MICROS (0: never busy-poll).
   */
  static async open(timeoutMs: number, path = pcscdSocketPath(), options: { busyPollMicros?: number } = {}): Promise<PcscdSocket> {
    const stated = statedMinor;
    try {
      return await PcscdSocket.openStating(stated, timeoutMs, path, options);
    } catch (error) {
      // A pcscd restarted as another version may refuse the one a former pcscd answered.
      if (stated === statedMinor || !(error instanceof ScardError)) throw error;
      return PcscdSocket.openStating(statedMinor, timeoutMs, path, options);
    }
  }

  private static async openStating(
    minor: number,
    timeoutMs: number,
    path: string,
    options: { busyPollMicros?: number },
  ): Promise<PcscdSocket> {
    const socket = connect({ path });
    const client = new PcscdSocket(socket, options.busyPollMicros ?? DEFAULT_BUSY_POLL_MICROS);
    socket.unref();
    try {
      const v = PCSCD_STRUCTS.version;
      const version = await client.call(
        CMD.VERSION,
        v.size,
        (view) => {
          view.setInt32(v.major, PCSCD_PROTOCOL.major, true);
          view.setInt32(v.minor, minor, true);
        },
        timeoutMs,
        'stating the protocol version to pcscd',
      );
      // pcscd answers its own version, refusing ours or not.
      const theirs = { major: version.getInt32(v.major, true), minor: version.getInt32(v.minor, true) };
      if (theirs.major === PCSCD_PROTOCOL.major && theirs.minor >= PCSCD_PROTOCOL.minor && theirs.minor <= PCSCD_PROTOCOL.newestMinor) {
        statedMinor = theirs.minor;
      }
      checkRv(
        version.getUint32(v.rv, true),
        `pcscd ${theirs.major}.${theirs.minor} does not speak protocol ${PCSCD_PROTOCOL.major}.${minor}`,
      );
      const e = PCSCD_STRUCTS.establish;
      const established = await client.call(
        CMD.ESTABLISH_CONTEXT,
        e.size,
        (view) => view.setUint32(e.scope, SCOPE_SYSTEM, true),
        timeoutMs,
        'opening a PC/SC context',
      );
      checkRv(established.getUint32(e.rv, true), 'opening a PC/SC context');
      client.context = established.getUint32(e.context, true);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** True once the connection is gone (closed, failed or timed out): open another. */
  get ended(): boolean {
    return this.failure !== undefined;
  }

  async connect(
    reader: string,
    share: number,
    protocols: number,
    timeoutMs: number,
    doing: string,
  ): Promise<{ card: number; protocol: number }> {
    const s = PCSCD_STRUCTS.connect;
    const name = new TextEncoder().encode(reader);
    if (name.length >= READER_NAME_BYTES) throw new ScardError(SCARD_E.UNKNOWN_READER, doing);
    const answer = await this.call(
      CMD.CONNECT,
      s.size,
      (view, bytes) => {
        view.setUint32(s.context, this.context, true);
        bytes.set(name, s.reader);
        view.setUint32(s.share, share, true);
        view.setUint32(s.protocols, protocols, true);
      },
      timeoutMs,
      doing,
    );
    checkRv(answer.getUint32(s.rv, true), doing);
    return { card: answer.getInt32(s.card, true), protocol: answer.getUint32(s.activeProtocol, true) };
  }

  reconnect(card: number, share: number, protocols: number, initialization: number, timeoutMs: number, doing: string): Promise<number> {
    return whileShared(timeoutMs, doing, (left) => this.reconnectOnce(card, share, protocols, initialization, left, doing));
  }

  private async reconnectOnce(
    card: number,
    share: number,
    protocols: number,
    initialization: number,
    timeoutMs: number,
    doing: string,
  ): Promise<number> {
    const s = PCSCD_STRUCTS.reconnect;
    const answer = await this.call(
      CMD.RECONNECT,
      s.size,
      (view) => {
        view.setInt32(s.card, card, true);
        view.setUint32(s.share, share, true);
        view.setUint32(s.protocols, protocols, true);
        view.setUint32(s.initialization, initialization, true);
      },
      timeoutMs,
      doing,
    );
    checkRv(answer.getUint32(s.rv, true), doing);
    return answer.getUint32(s.activeProtocol, true);
  }

  async disconnect(card: number, disposition: number, timeoutMs: number, doing: string): Promise<void> {
    await this.cardCall(CMD.DISCONNECT, PCSCD_STRUCTS.disconnect, card, disposition, timeoutMs, doing);
  }

  beginTransaction(card: number, timeoutMs: number, doing: string): Promise<void> {
    // libpcsclite waits for another program's transaction here even under $PCSCLITE_NO_BLOCKING.
    return whileShared(
      timeoutMs,
      doing,
      (left) => this.cardCall(CMD.BEGIN_TRANSACTION, PCSCD_STRUCTS.begin, card, undefined, left, doing),
      {
        always: true,
      },
    );
  }

  async endTransaction(card: number, disposition: number, timeoutMs: number, doing: string): Promise<void> {
    await this.cardCall(CMD.END_TRANSACTION, PCSCD_STRUCTS.end, card, disposition, timeoutMs, doing);
  }

  /** SCARD_STATUS: pcscd says whether the handle is still good (the reader's state is elsewhere). */
  checkCard(card: number, timeoutMs: number, doing: string): Promise<void> {
    return whileShared(timeoutMs, doing, (left) => this.cardCall(CMD.STATUS, PCSCD_STRUCTS.status, card, undefined, left, doing));
  }

  transmit(
    card: number,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Promise<Uint8Array> {
    if (command.length > PCSCD_MAX_COMMAND) {
      return Promise.reject(commandTooLong(doing, command.length));
    }
    const request = transmitRequest(card, protocol, command, maxResponse);
    const startedAt = performance.now();
    const once = (left: number): Promise<Uint8Array> => this.exchange(request, PCSCD_STRUCTS.transmit.size, transmitExtra, left, doing);
    // The usual case without the retry's closure and timer: another program's transaction is rare.
    return once(timeoutMs).catch((error: unknown) => {
      if (!isSharingViolation(error)) throw error;
      return whileShared(timeoutMs, doing, once, { startedAt });
    });
  }

  /**
   * transmit() on the calling thread: the same request, written and read with the C library's
   * write/poll/read, blocking until the answer or the deadline (then the connection ends with
   * TransportError('timeout')). Only between asynchronous calls: the event loop is not reading
   * this socket meanwhile, and no answer of an earlier call is on its way.
   */
  transmitSync(card: number, protocol: number, command: Uint8Array, maxResponse: number, timeoutMs: number, doing: string): Uint8Array {
    if (this.failure) throw this.failure;
    if (this.current) throw new TransportError('other', `${doing}: an asynchronous call is in progress on this connection`);
    if (command.length > PCSCD_MAX_COMMAND) throw commandTooLong(doing, command.length);
    const fd = socketFd(this.socket);
    if (fd === undefined) throw new TransportError('other', `${doing}: the pcscd connection has no file descriptor`);
    const io = blockingSocketIo();
    const deadline = performance.now() + (timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : 2 ** 31);
    const left = (): number => Math.max(0, Math.ceil(deadline - performance.now()));
    const request = transmitRequest(card, protocol, command, maxResponse);
    try {
      for (;;) {
        io.writeAll(fd, request, left);
        const t = PCSCD_STRUCTS.transmit;
        // The struct and the answer's bytes in as few reads as they arrive in: nothing else is on its way.
        if (!this.syncAnswer || this.syncAnswer.length < t.size + maxResponse) this.syncAnswer = new Uint8Array(t.size + maxResponse);
        const into = this.syncAnswer;
        const view = new DataView(into.buffer);
        // Busy-poll first, as transmit() does.
        let got = this.pollForAnswer(fd, into, t.size, transmitExtra);
        if (got === 0) got = io.readSome(fd, into, 0, left);
        while (got < t.size) got += io.readSome(fd, into, got, left);
        const extra = transmitExtra(view);
        while (got < t.size + extra) got += io.readSome(fd, into, got, left);
        const rv = view.getUint32(t.rv, true);
        if (rv === SCARD_E.SHARING_VIOLATION && sharingBlocks()) {
          // Another program's transaction: ask again in a moment (as libpcsclite does).
          if (left() <= SHARING_RETRY_MS) throw cardHeldTooLong(doing, timeoutMs);
          sleepSync(SHARING_RETRY_MS);
          continue;
        }
        checkRv(rv, doing);
        return into.slice(t.size, t.size + extra);
      }
    } catch (error) {
      // The pcscd's refusal, or the card held elsewhere for too long: the connection is fine.
      if (error instanceof TransportError) throw error;
      const failure =
        error === SOCKET_WAIT_TIMED_OUT
          ? pcscCallOverdue(doing, timeoutMs)
          : noService(`${doing}: the connection to pcscd failed (${error instanceof Error ? error.message : String(error)})`);
      this.end(failure);
      throw failure;
    }
  }

  async control(card: number, code: number, input: Uint8Array, maxOutput: number, timeoutMs: number, doing: string): Promise<Uint8Array> {
    const c = PCSCD_STRUCTS.control;
    if (input.length > PCSCD_MAX_COMMAND)
      throw new TransportError('other', `${doing}: a control input of ${input.length} bytes is too long`);
    const request = message(CMD.CONTROL, c.size, input.length, (view, bytes) => {
      view.setInt32(c.card, card, true);
      view.setUint32(c.code, code >>> 0, true);
      view.setUint32(c.sendLength, input.length, true);
      view.setUint32(c.recvLength, maxOutput, true);
      bytes.set(input, c.size);
    });
    const extra = (view: DataView): number => (view.getUint32(c.rv, true) === 0 ? view.getUint32(c.bytesReturned, true) : 0);
    return this.exchange(request, c.size, extra, timeoutMs, doing);
  }

  async getAttribute(card: number, attribute: number, timeoutMs: number, doing: string): Promise<Uint8Array> {
    const g = PCSCD_STRUCTS.getAttribute;
    const answer = await this.call(
      CMD.GET_ATTRIB,
      g.size,
      (view) => {
        view.setInt32(g.card, card, true);
        view.setUint32(g.attribute, attribute >>> 0, true);
        view.setUint32(g.length, ATTRIBUTE_BYTES, true);
      },
      timeoutMs,
      doing,
    );
    checkRv(answer.getUint32(g.rv, true), doing);
    const length = Math.min(answer.getUint32(g.length, true), ATTRIBUTE_BYTES);
    return new Uint8Array(answer.buffer, answer.byteOffset + g.value, length).slice();
  }

  /** Releases the context and closes the connection (pcscd releases what it still held for us). */
  close(): void {
    if (this.failure) return;
    if (!this.current && this.context !== 0) {
      const r = PCSCD_STRUCTS.release;
      // Written without waiting for the answer: the connection closes right after.
      this.socket.write(message(CMD.RELEASE_CONTEXT, r.size, 0, (view) => view.setUint32(r.context, this.context, true)));
    }
    this.end(new TransportError('closed', 'the pcscd connection is closed'));
    this.socket.end();
  }

  private async cardCall(
    command: number,
    layout: { size: number; card: number; rv: number; disposition?: number },
    card: number,
    disposition: number | undefined,
    timeoutMs: number,
    doing: string,
  ): Promise<void> {
    const answer = await this.call(
      command,
      layout.size,
      (view) => {
        view.setInt32(layout.card, card, true);
        if (layout.disposition !== undefined) view.setUint32(layout.disposition, disposition ?? 0, true);
      },
      timeoutMs,
      doing,
    );
    checkRv(answer.getUint32(layout.rv, true), doing);
  }

  /** A call whose answer is its struct alone. */
  private async call(
    command: number,
    size: number,
    fill: (view: DataView, bytes: Uint8Array) => void,
    timeoutMs: number,
    doing: string,
  ): Promise<DataView> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        request: message(command, size, 0, fill),
        answerSize: size,
        extraLength: () => 0,
        timeoutMs,
        doing,
        resolve: (answer) => resolve(answer.struct),
        reject,
        deadline: 0,
      });
    });
  }

  /** A call whose answer may carry bytes after its struct (transmit, control): those bytes. */
  private exchange(
    request: Uint8Array,
    answerSize: number,
    extraLength: (answer: DataView) => number,
    timeoutMs: number,
    doing: string,
  ): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        request,
        answerSize,
        extraLength,
        timeoutMs,
        doing,
        resolve: ({ struct, extra }) => {
          const rv = struct.getUint32(answerSize - 4, true);
          if (rv !== 0) reject(new ScardError(rv, doing));
          else resolve(extra);
        },
        reject,
        deadline: 0,
      });
    });
  }

  private enqueue(call: PendingCall): void {
    if (this.failure) {
      call.reject(this.failure);
      return;
    }
    if (this.current) this.waiting.push(call);
    else {
      this.start(call);
      this.busyPoll();
    }
  }

  private start(call: PendingCall): void {
    this.current = call;
    call.deadline = call.timeoutMs > 0 && Number.isFinite(call.timeoutMs) ? performance.now() + call.timeoutMs : Infinity;
    // A call in progress keeps the process alive (as a thread inside a call does); an idle connection does not.
    this.socket.ref();
    if (call.deadline !== Infinity) this.watchdog.arm(call.deadline);
    this.socket.write(call.request);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.append(chunk);
    this.drain();
  };

  private append(bytes: Uint8Array): void {
    this.received = this.received.length === 0 ? bytes : concat(this.received, bytes);
  }

  /** Settles the calls whose whole answer has been received. */
  private readonly drain = (): void => {
    for (;;) {
      const call = this.current;
      if (!call || this.received.length < call.answerSize) return;
      const struct = new DataView(this.received.buffer, this.received.byteOffset, call.answerSize);
      const extra = call.extraLength(struct);
      if (this.received.length < call.answerSize + extra) return;
      // A copy (Buffer's slice() would be a view): the chunk's memory is Node's pool, reused once we return.
      const answer = new Uint8Array(call.answerSize + extra);
      answer.set(this.received.subarray(0, answer.length));
      this.received = this.received.subarray(call.answerSize + extra);
      this.current = undefined;
      const next = this.waiting.shift();
      if (next) this.start(next);
      else this.socket.unref();
      call.resolve({
        struct: new DataView(answer.buffer, 0, call.answerSize),
        extra: answer.subarray(call.answerSize),
      });
    }
  };

  /**
   * Reads the answer of the call just written while still awake (DEFAULT_BUSY_POLL_MICROS): a
   * transmit's, a transaction's, any call's, when it is the only one on its way. What it reads is
   * appended before anything the event loop reads later (which cannot happen before we return),
   * so the bytes stay in order; a whole answer is settled from a setImmediate, so that a loop of
   * transmits still lets the event loop run.
   */
  private busyPoll(): void {
    const call = this.current;
    if (!call || this.waiting.length > 0 || this.received.length > 0 || this.failure) return;
    const fd = socketFd(this.socket);
    if (fd === undefined) return;
    const got = this.pollForAnswer(fd, this.busyPollBuffer, call.answerSize, call.extraLength);
    if (got === 0) return;
    this.append(this.busyPollBuffer.slice(0, got));
    if (isWholeAnswer(this.busyPollBuffer, got, call.answerSize, call.extraLength)) setImmediate(this.drain);
  }

  /**
   * The busy-poll itself (for busyPoll() and transmitSync): reads what arrives into `into` for up
   * to busyPollMicros, until the whole answer (a struct of `answerSize` bytes and the bytes
   * `extraLength` says follow it) is there or `into` is full; counts the outcome. The bytes read
   * (0 when busy-polling is off or paused).
   */
  private pollForAnswer(fd: number, into: Uint8Array, answerSize: number, extraLength: (answer: DataView) => number): number {
    if (this.busyPollMicros <= 0) return 0;
    if (this.busyPollPause > 0) {
      this.busyPollPause--;
      return 0;
    }
    const io = blockingSocketIo();
    const until = performance.now() + this.busyPollMicros / 1000;
    let got = 0;
    do {
      const n = io.readNow(fd, into, got);
      // The end of the connection, or an error: the caller's next read (or the event loop) sees it too.
      if (n < 0) break;
      got += n;
    } while (!isWholeAnswer(into, got, answerSize, extraLength) && got < into.length && performance.now() < until);
    this.busyPolled(isWholeAnswer(into, got, answerSize, extraLength));
    return got;
  }

  /** Counts a busy-poll's outcome: enough misses in a row pause busy-polling for a while. */
  private busyPolled(answered: boolean): void {
    if (answered) this.busyPollMisses = 0;
    else if (++this.busyPollMisses >= BUSY_POLL_MISSES) this.busyPollPause = BUSY_POLL_PAUSE;
  }

  private onOverdue(): void {
    const call = this.current!;
    this.end(pcscCallOverdue(call.doing, call.timeoutMs));
  }

  /** Ends the connection: every call in progress or waiting fails with `failure`. */
  private end(failure: Error): void {
    if (this.failure) return;
    this.failure = failure;
    this.watchdog.stop();
    const calls = this.current ? [this.current, ...this.waiting.splice(0)] : this.waiting.splice(0);
    this.current = undefined;
    for (const call of calls) call.reject(failure);
    this.socket.destroy();
  }
}

function sharingBlocks(): boolean {
  return !process.env.PCSCLITE_NO_BLOCKING;
}

/** `always`: retried whatever $PCSCLITE_NO_BLOCKING says (libpcsclite's begin-transaction). */
function isSharingViolation(error: unknown, always = false): boolean {
  return error instanceof ScardError && error.scardCode === SCARD_E.SHARING_VIOLATION && (always || sharingBlocks());
}

interface SharedRetry {
  /** The first refusal was had already, at `startedAt` (performance.now() time). */
  startedAt?: number;
  /** Retry even with $PCSCLITE_NO_BLOCKING set. */
  always?: boolean;
}

/**
 * `attempt` until it is not refused for another program's hold on the card, every 100 ms, within
 * `timeoutMs` from the first attempt (then TransportError('timeout')); 0 or Infinity: no deadline.
 */
async function whileShared<T>(
  timeoutMs: number,
  doing: string,
  attempt: (left: number) => Promise<T>,
  retry: SharedRetry = {},
): Promise<T> {
  const unbounded = !(timeoutMs > 0 && Number.isFinite(timeoutMs));
  const deadline = (retry.startedAt ?? performance.now()) + (unbounded ? 0 : timeoutMs);
  for (let first = retry.startedAt === undefined; ; first = false) {
    if (!first) {
      if (!unbounded && performance.now() + SHARING_RETRY_MS > deadline) throw cardHeldTooLong(doing, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, SHARING_RETRY_MS));
    }
    try {
      return await attempt(unbounded ? timeoutMs : Math.max(1, deadline - performance.now()));
    } catch (error) {
      if (!isSharingViolation(error, retry.always)) throw error;
    }
  }
}

/** Whether the first `got` bytes of `bytes` hold a whole answer: its struct and what follows it. */
function isWholeAnswer(bytes: Uint8Array, got: number, answerSize: number, extraLength: (answer: DataView) => number): boolean {
  return got >= answerSize && got >= answerSize + extraLength(new DataView(bytes.buffer, bytes.byteOffset, answerSize));
}

function commandTooLong(doing: string, length: number): TransportError {
  return new TransportError('other', `${doing}: a command of ${length} bytes is longer than any APDU`);
}

function cardHeldTooLong(doing: string, timeoutMs: number): TransportError {
  return new TransportError('timeout', `${doing}: another program held the card for longer than ${Math.round(timeoutMs)} ms`);
}

function checkRv(rv: number, doing: string): void {
  if (rv !== 0) throw new ScardError(rv, doing);
}

function noService(message: string): ScardError {
  const error = new ScardError(SCARD_E.NO_SERVICE, '');
  error.message = `${message}: the PC/SC service is not running or was restarted (start pcscd)`;
  return error;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
