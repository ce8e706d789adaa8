import { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { TransportError, type TransportFailure } from '../transport-error.js';
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
/** An extended APDU's answer (65,538 bytes) and the serialization around it. */
const DATA_BYTES = 80 * 1024;

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
  close(): void;
}

/** Threads left inside a call that never returned; the process must still be able to exit. */
const stuckThreads = new Set<Worker>();

/**
 * A thread of our own that makes PC/SC calls, so that the event loop never waits for pcscd or a
 * card. Requests and answers pass through a SharedArrayBuffer: `Atomics.notify` wakes the thread,
 * `Atomics.waitAsync` wakes us — no thread pool, no message per call. Calls run one at a time.
 * A call that outlives its deadline is reported as TransportError('timeout') and the thread is
 * abandoned: it releases its handles and ends if the call ever returns; the owner starts a new
 * thread for the next call.
 */
export class ScardThread implements ScardCalls {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly handle: Float64Array;
  private readonly data: Uint8Array;
  /** The call in progress: a new call waits for it (callers normally serialize their own). */
  private inFlight: Promise<unknown> | undefined;
  private abandonedAt: number | undefined;
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
    return this.oneAtATime(() => this.callNow(method, args, timeoutMs, doing)) as Promise<ReturnType<ScardLibrary[M]>>;
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
    if (typeof card === 'bigint') return this.call('transmit', [card, protocol, command, maxResponse], timeoutMs, doing);
    return this.oneAtATime(() => {
      this.data.set(command);
      this.handle[0] = card;
      this.control[PROTOCOL] = protocol;
      this.control[MAX_RESPONSE] = maxResponse;
      return this.exchange(TRANSMIT, command.length, timeoutMs, doing);
    }) as Promise<Uint8Array>;
  }

  /** Ends the thread once its current call (if any) is done; it releases what it still holds. */
  close(): void {
    if (this.ended) return;
    if (this.abandoned) return;
    const end = (): void => {
      Atomics.store(this.control, STATE, CLOSE);
      Atomics.notify(this.control, STATE);
    };
    if (this.inFlight) this.inFlight.then(end, end);
    else end();
  }

  private oneAtATime(work: () => Promise<unknown>): Promise<unknown> {
    // The usual case (callers serialize their own calls): no call in progress, no chaining.
    const before = this.inFlight;
    const run = before ? before.then(work, work) : work();
    const settled: Promise<unknown> = run.then(
      () => this.settle(settled),
      () => this.settle(settled),
    );
    this.inFlight = settled;
    return run;
  }

  private settle(settled: Promise<unknown>): void {
    if (this.inFlight === settled) this.inFlight = undefined;
  }

  private callNow(method: ScardMethod, args: unknown[], timeoutMs: number, doing: string): Promise<unknown> {
    const request = serialize([method, args]);
    this.data.set(request);
    return this.exchange(GENERIC, request.length, timeoutMs, doing);
  }

  private async exchange(kind: number, length: number, timeoutMs: number, doing: string): Promise<unknown> {
    if (this.abandoned || this.ended) {
      throw new TransportError('timeout', `${doing}: the PC/SC service did not answer an earlier call (it may be stopped)`);
    }
    this.control[KIND] = kind;
    this.control[LENGTH] = length;
    Atomics.store(this.control, STATE, REQUEST);
    Atomics.notify(this.control, STATE);
    const limited = Number.isFinite(timeoutMs) && timeoutMs > 0;
    // No timeout inside waitAsync: V8 would schedule a task per call for it. One Node timer does.
    const waiting = waitAsync(this.control, STATE, REQUEST);
    let outcome: string;
    if (waiting.async) {
      // A pending waitAsync does not keep the process alive; the thread does, while it works for us.
      this.worker.ref();
      let timer: NodeJS.Timeout | undefined;
      try {
        outcome = limited
          ? await Promise.race([
              waiting.value,
              new Promise<'timed-out'>((resolve) => {
                timer = setTimeout(() => resolve('timed-out'), timeoutMs);
              }),
            ])
          : await waiting.value;
      } finally {
        clearTimeout(timer);
        this.worker.unref();
      }
    } else {
      outcome = waiting.value;
    }
    if (outcome === 'timed-out' && Atomics.load(this.control, STATE) === REQUEST) {
      this.abandon();
      throw new TransportError('timeout', `${doing}: no answer within ${timeoutMs} ms (the PC/SC service or the reader is not answering)`);
    }
    const bytes = this.data.subarray(0, this.control[LENGTH]!);
    const raw = this.control[ANSWER] === RAW_VALUE;
    // A copy: deserialized byte arrays are views of their input, which the next call overwrites.
    const answer = raw ? undefined : (deserialize(bytes.slice()) as ThreadAnswer);
    const value = raw ? bytes.slice() : undefined;
    Atomics.store(this.control, STATE, IDLE);
    if (!answer) return value;
    if ('value' in answer) return answer.value;
    const { error } = answer;
    if (error.scardCode !== undefined) throw ScardError.fromData({ scardCode: error.scardCode, message: error.message });
    throw new TransportError(error.reason, error.message);
  }

  private abandon(): void {
    this.abandonedAt = Date.now();
    Atomics.store(this.control, ABANDONED, 1);
    if (!this.ended) stuckThreads.add(this.worker);
    ensureExitHook();
  }
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
