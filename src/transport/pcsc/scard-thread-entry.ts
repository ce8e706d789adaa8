// The body of a ScardThread (scard-thread.ts): waits on the shared buffer for a request, makes the
// PC/SC call, writes the answer back. Blocking here is the point: the main thread never waits.
import { deserialize, serialize } from 'node:v8';
import { workerData } from 'node:worker_threads';
import { TransportError } from '../transport-error.js';
import { ScardError } from './scard-error.js';
import { type ScardHandle, ScardLibrary } from './scard-library.js';
import {
  ABANDONED,
  ANSWER,
  CLOSE,
  DONE,
  HANDLE_OFFSET,
  HEADER_BYTES,
  KIND,
  LENGTH,
  MAX_RESPONSE,
  PROTOCOL,
  RAW_VALUE,
  REQUEST,
  RESPONSE_AT,
  type ScardMethod,
  SERIALIZED,
  STATE,
  type ThreadAnswer,
  TRANSMIT,
  WAKE,
} from './scard-thread.js';

const { buffer } = workerData as { buffer: SharedArrayBuffer };
const control = new Int32Array(buffer, 0, HANDLE_OFFSET / 4);
const handle = new Float64Array(buffer, HANDLE_OFFSET, 1);
const data = new Uint8Array(buffer, HEADER_BYTES);
/** Where SCardTransmit writes its answer. */
const response = data.subarray(RESPONSE_AT);
let library: ScardLibrary | undefined;
/** What this thread opened and has not closed: released if the thread is abandoned. */
const contexts = new Set<ScardHandle>();
const cards = new Set<ScardHandle>();

for (;;) {
  // Read the wake-up count before the state: a request written after this look also bumps the
  // count, so the wait below returns at once instead of missing it.
  const wakes = Atomics.load(control, WAKE);
  const state = Atomics.load(control, STATE);
  if (state !== REQUEST && state !== CLOSE) {
    Atomics.wait(control, WAKE, wakes);
    continue;
  }
  if (state === CLOSE) break;
  if (control[KIND] === TRANSMIT) answerTransmit();
  else answerCall();
  Atomics.store(control, STATE, DONE);
  Atomics.notify(control, STATE);
  // The caller gave up on this call (it took too long): nobody will use these handles again.
  if (Atomics.load(control, ABANDONED) === 1) break;
}
releaseEverything();

function answerTransmit(): void {
  try {
    library ??= new ScardLibrary();
    // The command and the answer stay in the shared buffer: SCardTransmit reads and writes it.
    const command = data.subarray(0, control[LENGTH]!);
    const out = library.transmit(handle[0]!, control[PROTOCOL]!, command, control[MAX_RESPONSE]!, response);
    control[LENGTH] = out.length;
    control[ANSWER] = RAW_VALUE;
  } catch (error) {
    writeAnswer(failure(error));
  }
}

function answerCall(): void {
  const [method, args] = deserialize(data.subarray(0, control[LENGTH]!)) as [ScardMethod, unknown[]];
  writeAnswer(perform(method, args));
}

function writeAnswer(value: ThreadAnswer): void {
  let answer = serialize(value);
  if (answer.length > data.length) {
    const message = `a PC/SC answer of ${answer.length} bytes does not fit the thread's buffer`;
    answer = serialize({ error: { reason: 'other', message } } satisfies ThreadAnswer);
  }
  data.set(answer);
  control[LENGTH] = answer.length;
  control[ANSWER] = SERIALIZED;
}

function perform(method: ScardMethod, args: unknown[]): ThreadAnswer {
  try {
    library ??= new ScardLibrary();
    const call = library[method] as (...a: unknown[]) => unknown;
    const value = call.apply(library, args);
    track(method, args, value);
    return { value };
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): ThreadAnswer {
  if (error instanceof ScardError) return { error: { reason: error.reason, message: error.message, scardCode: error.scardCode } };
  if (error instanceof TransportError) return { error: { reason: error.reason, message: error.message } };
  return { error: { reason: 'other', message: error instanceof Error ? error.message : String(error) } };
}

function track(method: ScardMethod, args: unknown[], value: unknown): void {
  if (method === 'establishContext') contexts.add(value as ScardHandle);
  else if (method === 'releaseContext') contexts.delete(args[0] as ScardHandle);
  else if (method === 'connect') cards.add((value as { card: ScardHandle }).card);
  else if (method === 'disconnect') cards.delete(args[0] as ScardHandle);
}

function releaseEverything(): void {
  if (!library) return;
  for (const card of cards) {
    try {
      library.disconnect(card, 0);
    } catch {
      // Gone with the card or the service.
    }
  }
  for (const context of contexts) {
    try {
      library.releaseContext(context);
    } catch {
      // Same.
    }
  }
}
