import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The vicc side of VpcdBridge's connection, run in a worker thread (plain JavaScript, evaluated
 * by `new Worker(code, { eval: true })`, so it works the same from sources, tests and dist), or
 * on the main thread by `runVpcdSocketInline` for a process that makes no PC/SC calls itself.
 * The script sees `require`, `parentPort` and `workerData`.
 *
 * Why a thread: vpcd asks the card for its ATR about every 400 ms to see that it is still there,
 * holding the reader's lock inside pcscd meanwhile. If the process that serves the card also
 * makes a synchronous PC/SC call that needs that lock (the binding's disconnect and context
 * release are synchronous), and the card's answer waits for that same blocked main thread, both
 * wait forever. Here the connection, the ATR answer and the reconnect logic never need the main
 * thread; only C-APDUs and power changes go to the card there, in order.
 *
 * Messages to the main thread: connected, disconnected {at}, error {message, code}, control
 * {code} (power off 00, on 01, reset 02), apdu {id, bytes}, stopped. From it: atr {atr},
 * reply {id, bytes}, stop.
 */
export const VPCD_SOCKET_THREAD_SOURCE = `
const net = require('node:net');

const { host, port, reconnect, minBackoffMs, maxBackoffMs, minAbsentMs } = workerData;
let atr = workerData.atr ? Buffer.from(workerData.atr) : undefined;
let emptiedAt = workerData.emptiedAt;
let socket;
let connected = false;
let stopped = false;
let backoff = minBackoffMs;
let timer;
let pending = Buffer.alloc(0);
let nextId = 0;
const waiting = new Map();

function frame(payload) {
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

function openWhenSlotReady() {
  const wait = emptiedAt + minAbsentMs - Date.now();
  if (wait <= 0) return open();
  timer = setTimeout(() => {
    timer = undefined;
    if (!stopped) open();
  }, wait);
}

function scheduleReconnect() {
  const delay = backoff;
  backoff = Math.min(backoff * 2, maxBackoffMs);
  timer = setTimeout(() => {
    timer = undefined;
    if (!stopped) openWhenSlotReady();
  }, delay);
}

function open() {
  const s = net.connect({ host, port });
  socket = s;
  s.setNoDelay(true);
  s.on('connect', () => {
    connected = true;
    backoff = minBackoffMs;
    pending = Buffer.alloc(0);
    parentPort.postMessage({ type: 'connected' });
  });
  s.on('data', (chunk) => onData(s, chunk));
  s.on('error', (e) => parentPort.postMessage({ type: 'error', message: e.message, code: e.code }));
  s.on('close', () => {
    if (socket === s) socket = undefined;
    const was = connected;
    connected = false;
    for (const [id, from] of waiting) if (from === s) waiting.delete(id);
    if (was) {
      emptiedAt = Date.now();
      parentPort.postMessage({ type: 'disconnected', at: emptiedAt });
    }
    if (stopped) parentPort.postMessage({ type: 'stopped' });
    else if (reconnect) scheduleReconnect();
  });
}

// vpcd may split one frame over several reads or pack several into one.
function onData(s, chunk) {
  let buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (buffer.length >= 2) {
    const length = buffer.readUInt16BE(0);
    if (buffer.length < 2 + length) break;
    const payload = buffer.subarray(2, 2 + length);
    buffer = buffer.subarray(2 + length);
    if (payload.length === 1) {
      // 04: GET ATR, answered here (this is the presence poll); 00/01/02: power, no reply.
      if (payload[0] === 0x04) {
        if (atr && !s.destroyed) s.write(frame(atr));
      } else {
        parentPort.postMessage({ type: 'control', code: payload[0] });
      }
      continue;
    }
    const id = nextId++;
    waiting.set(id, s);
    parentPort.postMessage({ type: 'apdu', id, bytes: new Uint8Array(payload) });
  }
  pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
}

parentPort.on('message', (m) => {
  if (m.type === 'atr') {
    atr = Buffer.from(m.atr);
  } else if (m.type === 'reply') {
    const s = waiting.get(m.id);
    waiting.delete(m.id);
    if (s && !s.destroyed) s.write(frame(m.bytes));
  } else if (m.type === 'stop') {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (socket && !socket.destroyed) socket.destroy();
    else parentPort.postMessage({ type: 'stopped' });
  }
});

openWhenSlotReady();
`;

/** What the bridge needs of a worker, so the same script can run on the main thread. */
export interface SocketThread {
  postMessage(message: unknown): void;
  on(event: 'message' | 'error', listener: (value: unknown) => void): void;
  once(event: 'exit', listener: () => void): void;
  terminate(): Promise<number>;
}

/** The script in a worker thread. */
export function startVpcdSocketThread(workerData: object): SocketThread {
  const worker = new Worker(`const { parentPort, workerData } = require('node:worker_threads');\n${VPCD_SOCKET_THREAD_SOURCE}`, {
    eval: true,
    // The script is CommonJS: not the parent's flags (--input-type=module, loaders).
    execArgv: [],
    workerData,
  });
  return {
    postMessage: (message) => worker.postMessage(message),
    on: (event, listener) => {
      worker.on(event, listener);
    },
    once: (event, listener) => {
      worker.once(event, listener);
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * The script on this thread (messages delivered synchronously, as calls): for a process whose
 * only job is to serve cards (`sscard emulate`), where no synchronous PC/SC call can block it,
 * and one thread hop per command less (≈ 0.1 ms).
 */
export function runVpcdSocketInline(workerData: object): SocketThread {
  const toBridge = new EventEmitter();
  const toScript = new EventEmitter();
  const parentPort = {
    postMessage: (message: unknown) => toBridge.emit('message', message),
    on: (event: string, listener: (message: unknown) => void) => toScript.on(event, listener),
  };
  // The same source as the thread runs: one implementation of the vicc connection.
  const script = new Function('require', 'parentPort', 'workerData', VPCD_SOCKET_THREAD_SOURCE);
  script(createRequire(import.meta.url), parentPort, workerData);
  return {
    postMessage: (message) => toScript.emit('message', message),
    on: (event, listener) => {
      toBridge.on(event, listener);
    },
    once: (event, listener) => {
      toBridge.once(event, listener);
    },
    terminate: () => Promise.resolve(0),
  };
}
