import { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { TransportError, type TransportFailure } from '../transport-error.js';
import { DeadlineWatchdog, pcscCallOverdue } from './deadline-watchdog.js';
import { ScardError } from './scard-error.js';
import type { ScardHandle, ScardLibrary } from './scard-library.js';

/** The ScardLibrary methods a thread can run. */
export type ScardMethod = {
  // biome-ignore lint/suspicious/noExplicitAny: any function signature.
  [K in keyof ScardLibrary]: ScardLibrary[K] extends (...args: any[]) => unknown ? K : never;
}[keyof ScardLibrary];

export type ThreadAnswer = { value: unknown } | { error: { reason: TransportFailure; message: string; scardCode?: number } };

// The shared buffer: a header of int32 slots (and the card handle as a float64), then the
// request or answer: v8-serialized, except the hot path (transmit) which passes raw bytes.
export const STATE = 0;
export const LENGTH = 1;
export const ABANDONED = 2;
/** The request: GENERIC (serialized [method, args]) or TRANSMIT (raw command bytes). */
export const KIND = 3;
export const PROTOCOL = 4;
export const MAX_RESPONSE = 5;
/** The answer: RAW_VALUE (the bytes are the response) or SERIALIZED (a ThreadAnswer). */
export const ANSWER = 6;
/**
 * Counts our wake-ups of the thread, which sleeps on this slot rather than on STATE: we wait on
 * STATE, and a notify on it would wake our own waitAsync too.
 */
export const WAKE = 7;
export const HANDLE_OFFSET = 32;
export const HEADER_BYTES = 40;
export const GENERIC = 0;
export const TRANSMIT = 1;
export const SERIALIZED = 0;
export const RAW_VALUE = 1;
export const IDLE = 0;
export const REQUEST = 1;
export const DONE = 2;
export const CLOSE = 3;
/**
 * Where SCardTransmit writes a raw answer: after the longest command (an extended case 4 APDU,
 * 65,544 bytes), so that the call reads the command from, and writes the answer into, this buffer
 * with no copy on the thread.
 */
export const RESPONSE_AT = 65_552;
/** The longest raw answer (an extended APDU's 65,536 bytes and SW1 SW2). */
export const MAX_RAW_RESPONSE = 65_538;
/** Room for both; a serialized request or answer (from offset 0) has all of it. */
const DATA_BYTES = RESPONSE_AT + MAX_RAW_RESPONSE;

/** Atomics.waitAsync (Node 16+; its type arrives with the ES2024 library). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout?: number,
    ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

/** What the transport needs of a PC/SC thread (tests give a fake). */
export interface ScardCalls {
  readonly abandoned: boolean;
  call<M extends ScardMethod>(
    method: M,
    args: Parameters<ScardLibrary[M]>,
    timeoutMs: number,
    doing: string,
  ): Promise<ReturnType<ScardLibrary[M]>>;
  transmit(
    card: ScardHandle,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Promise<Uint8Array>;
  /**
   * transmit() on the calling thread, where these calls have their own way to do it (pcscd's
   * socket); undefined when the card's calls go through the platform library, which the caller
   * then calls itself.
   */
  transmitSync?(
    card: ScardHandle,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Uint8Array | undefined;
  close(): void;
}

/** Threads left inside a call that never returned; the process must still be able to exit. */
const stuckThreads = new Set<Worker>();

/** One call on its way through the shared buffer. */
interface PendingCall {
  /** Writes the request into the buffer (when the call's turn comes). */
  readonly write: () => number;
  readonly kind: number;
  readonly timeoutMs: number;
  readonly doing: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** performance.now() when the request was handed to the thread. */
  startedAt: number;
}

/**
 * A thread of our own that makes PC/SC calls, so that the event loop never waits for pcscd or a
 * card. Requests and answers pass through a SharedArrayBuffer: `Atomics.notify` wakes the thread,
 * `Atomics.waitAsync` wakes us — no thread pool, no message per call. Calls run one at a time, in
 * the order made. A call that outlives its deadline is reported as TransportError('timeout') and
 * the thread is abandoned: it releases its handles and ends if the call ever returns; the owner
 * starts a new thread for the next call.
 *
 * Per call the main thread only writes the buffer, notifies, and settles one promise when the
 * answer's wake-up arrives: no timer per call (one watchdog timer, re-armed only when it fires,
 * checks the deadline of the call in progress), no async function, no Promise.race.
 */
export class ScardThread implements ScardCalls {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly handle: Float64Array;
  private readonly data: Uint8Array;
  /** The call the thread is working on, and those waiting for their turn. */
  private current: PendingCall | undefined;
  private readonly waiting: PendingCall[] = [];
  private readonly watchdog = new DeadlineWatchdog(
    () => this.pendingDeadline(),
    () => this.onOverdue(),
  );
  private abandonedAt: number | undefined;
  private closing = false;
  private ended = false;

  constructor() {
    const buffer = new SharedArrayBuffer(HEADER_BYTES + DATA_BYTES);
    this.control = new Int32Array(buffer, 0, HANDLE_OFFSET / 4);
    this.handle = new Float64Array(buffer, HANDLE_OFFSET, 1);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
    this.worker = startWorker(buffer);
    // An idle thread (waiting for work) must not keep the process alive.
    this.worker.unref();
    this.worker.on('error', () => {});
    this.worker.once('exit', () => {
      this.ended = true;
      stuckThreads.delete(this.worker);
    });
  }

  /** True once a call on this thread outlived its deadline: use another thread. */
  get abandoned(): boolean {
    return this.abandonedAt !== undefined;
  }

  /**
   * Runs `method` of the PC/SC library on the thread; rejects with TransportError('timeout')
   * after `timeoutMs` (0 or Infinity: no deadline), with `doing` in the message.
   */
  call<M extends ScardMethod>(
    method: M,
    args: Parameters<ScardLibrary[M]>,
    timeoutMs: number,
    doing: string,
  ): Promise<ReturnType<ScardLibrary[M]>> {
    return this.enqueue(
      GENERIC,
      () => {
        const request = serialize([method, args]);
        this.data.set(request);
        return request.length;
      },
      timeoutMs,
      doing,
    ) as Promise<ReturnType<ScardLibrary[M]>>;
  }

  /** ScardLibrary.transmit on the thread, without serializing: the one call made per APDU. */
  transmit(
    card: ScardHandle,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Promise<Uint8Array> {
    if (command.length > RESPONSE_AT) {
      return Promise.reject(new TransportError('other', `${doing}: a command of ${command.length} bytes is longer than any APDU`));
    }
    const limit = Math.min(maxResponse, MAX_RAW_RESPONSE);
    if (typeof card === 'bigint') return this.call('transmit', [card, protocol, command, limit], timeoutMs, doing);
    return this.enqueue(
      TRANSMIT,
      () => {
        this.data.set(command);
        this.handle[0] = card;
        this.control[PROTOCOL] = protocol;
        this.control[MAX_RESPONSE] = limit;
        return command.length;
      },
      timeoutMs,
      doing,
    ) as Promise<Uint8Array>;
  }

  /** Ends the thread once its calls (if any) are done; it releases what it still holds. */
  close(): void {
    this.closing = true;
    if (!this.current) this.end();
  }

  private enqueue(kind: number, write: () => number, timeoutMs: number, doing: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: PendingCall = { kind, write, timeoutMs, doing, resolve, reject, startedAt: 0 };
      if (this.current) this.waiting.push(call);
      else this.start(call);
    });
  }

  private start(call: PendingCall): void {
    if (this.abandoned || this.ended) {
      call.reject(earlierCallStuck(call.doing));
      this.next();
      return;
    }
    let length: number;
    try {
      length = call.write();
    } catch (error) {
      // A request larger than the buffer (a huge control input): refused, nothing was sent.
      call.reject(
        new TransportError('other', `${call.doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
      );
      this.next();
      return;
    }
    this.current = call;
    this.control[KIND] = call.kind;
    this.control[LENGTH] = length;
    call.startedAt = performance.now();
    Atomics.store(this.control, STATE, REQUEST);
    const wait = waitAsync(this.control, STATE, REQUEST);
    if (!wait.async) {
      // The thread took the request and answered already (it was awake, between two looks).
      this.answer();
      return;
    }
    // A pending waitAsync does not keep the process alive; the thread does, while it works for us.
    this.worker.ref();
    wait.value.then(this.onWake);
    if (Number.isFinite(call.timeoutMs) && call.timeoutMs > 0) this.watchdog.arm(call.startedAt + call.timeoutMs);
    // Wake the thread last: on a busy machine it may run on this core, only once we are idle.
    Atomics.add(this.control, WAKE, 1);
    Atomics.notify(this.control, WAKE);
  }

  private readonly onWake = (): void => {
    if (this.abandoned) return;
    this.worker.unref();
    this.answer();
  };

  /** Settles the current call from the buffer, then starts the next one. */
  private answer(): void {
    const call = this.current!;
    this.current = undefined;
    const raw = this.control[ANSWER] === RAW_VALUE;
    const from = raw ? RESPONSE_AT : 0;
    const bytes = this.data.subarray(from, from + this.control[LENGTH]!);
    // A copy: deserialized byte arrays are views of their input, which the next call overwrites.
    const value = raw ? bytes.slice() : (deserialize(bytes.slice()) as ThreadAnswer);
    Atomics.store(this.control, STATE, IDLE);
    this.next();
    if (raw) {
      call.resolve(value);
      return;
    }
    const answer = value as ThreadAnswer;
    if ('value' in answer) call.resolve(answer.value);
    else if (answer.error.scardCode !== undefined) {
      call.reject(ScardError.fromData({ scardCode: answer.error.scardCode, message: answer.error.message }));
    } else call.reject(new TransportError(answer.error.reason, answer.error.message));
  }

  private next(): void {
    const call = this.waiting.shift();
    if (call) this.start(call);
    else if (this.closing) this.end();
  }

  /** The deadline of the call the thread is working on; none once it answered (its wake-up is on its way). */
  private pendingDeadline(): number | undefined {
    const call = this.current;
    if (!call || !Number.isFinite(call.timeoutMs) || call.timeoutMs <= 0) return undefined;
    if (Atomics.load(this.control, STATE) !== REQUEST) return undefined;
    return call.startedAt + call.timeoutMs;
  }

  private onOverdue(): void {
    const call = this.current!;
    this.abandon();
    call.reject(pcscCallOverdue(call.doing, call.timeoutMs));
    for (const queued of this.waiting.splice(0)) queued.reject(earlierCallStuck(queued.doing));
  }

  private end(): void {
    if (this.ended || this.abandoned) return;
    Atomics.store(this.control, STATE, CLOSE);
    Atomics.add(this.control, WAKE, 1);
    Atomics.notify(this.control, WAKE);
  }

  private abandon(): void {
    this.abandonedAt = Date.now();
    this.current = undefined;
    this.worker.unref();
    Atomics.store(this.control, ABANDONED, 1);
    if (!this.ended) stuckThreads.add(this.worker);
    ensureExitHook();
  }
}

function earlierCallStuck(doing: string): TransportError {
  return new TransportError('timeout', `${doing}: the PC/SC service did not answer an earlier call (it may be stopped)`);
}

/** Whether any PC/SC call of this process is stuck (then a call on the main thread could block it too). */
export function scardCallStuck(): boolean {
  return stuckThreads.size > 0;
}

function startWorker(buffer: SharedArrayBuffer): Worker {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const entry = new URL(`./scard-thread-entry.${fromSources ? 'ts' : 'js'}`, here).href;
  if (!fromSources) return new Worker(new URL(entry), { workerData: { buffer }, execArgv: [] });
  // Running from the TypeScript sources (tests, benchmarks): the thread loads them through tsx,
  // which the development install has.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { eval: true, workerData: { buffer }, execArgv: [] });
}

let exitHookInstalled = false;

/**
 * Node waits for every worker thread when the process exits, and a thread inside a PC/SC call
 * that pcscd never answers (a stopped pcscd) cannot be stopped: the process would hang at exit.
 * So when such a thread exists at exit, the process ends at once with the exit code it already
 * had (its output is written by then: stdout and stderr are synchronous for files, pipes and
 * terminals on Linux and macOS).
 */
function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', (code) => {
    if (stuckThreads.size === 0) return;
    endProcessNow(typeof code === 'number' ? code : 0);
  });
}

function endProcessNow(code: number): void {
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(path: string | null): { func(definition: string): (...args: unknown[]) => unknown };
  };
  if (process.platform === 'win32') {
    const kernel32 = koffi.load('kernel32.dll');
    // TerminateProcess(GetCurrentProcess(), code): the pseudo-handle of this process is -1.
    kernel32.func('int __stdcall TerminateProcess(intptr_t process, uint32_t code)')(-1, code);
    return;
  }
  // The process's own symbols include the C library's.
  const libc = koffi.load(null);
  libc.func('void _exit(int status)')(code);
}
