// A fake pcscd for the socket client's tests: it speaks pcsc-lite's client protocol (a header
// { uint32 size; uint32 command } then the command's struct, little-endian; a transmit's or a
// control's bytes after the struct; the answer's bytes after the answered struct only when its rv
// is 0) on a UNIX socket in a temporary folder. It runs on a worker thread of its own, so that a
// client blocking its thread (PcscdSocket.transmitSync) is still answered. Its message layouts are
// its own reading of pcsc-lite's winscard_msg.h, independent of the client's table.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerData as startData, parentPort as toParent, Worker } from 'node:worker_threads';

/** pcsc-lite's command numbers (pcsc_msg_commands). */
export const CMD = {
  ESTABLISH_CONTEXT: 0x01,
  RELEASE_CONTEXT: 0x02,
  CONNECT: 0x04,
  RECONNECT: 0x05,
  DISCONNECT: 0x06,
  BEGIN_TRANSACTION: 0x07,
  END_TRANSACTION: 0x08,
  TRANSMIT: 0x09,
  CONTROL: 0x0a,
  STATUS: 0x0b,
  GET_ATTRIB: 0x0f,
  VERSION: 0x11,
} as const;

/** SCARD_E_INSUFFICIENT_BUFFER: an answer longer than the client said it has room for. */
export const INSUFFICIENT_BUFFER = 0x80100008;

/** Each command's struct, field by field in the header's order: 4-byte fields unless a size is given. */
const FIELDS: Record<number, readonly (string | readonly [string, number])[]> = {
  [CMD.VERSION]: ['major', 'minor', 'rv'],
  [CMD.ESTABLISH_CONTEXT]: ['scope', 'context', 'rv'],
  [CMD.RELEASE_CONTEXT]: ['context', 'rv'],
  [CMD.CONNECT]: ['context', ['reader', 128], 'share', 'protocols', 'card', 'activeProtocol', 'rv'],
  [CMD.RECONNECT]: ['card', 'share', 'protocols', 'initialization', 'activeProtocol', 'rv'],
  [CMD.DISCONNECT]: ['card', 'disposition', 'rv'],
  [CMD.BEGIN_TRANSACTION]: ['card', 'rv'],
  [CMD.END_TRANSACTION]: ['card', 'disposition', 'rv'],
  [CMD.STATUS]: ['card', 'rv'],
  [CMD.TRANSMIT]: ['card', 'sendProtocol', 'sendPciLength', 'sendLength', 'recvProtocol', 'recvPciLength', 'recvLength', 'rv'],
  [CMD.CONTROL]: ['card', 'code', 'sendLength', 'recvLength', 'bytesReturned', 'rv'],
  [CMD.GET_ATTRIB]: ['card', 'attribute', ['value', 264], 'length', 'rv'],
};

function layout(command: number): { size: number; offsets: Map<string, number> } {
  const fields = FIELDS[command];
  if (!fields) throw new Error(`fake pcscd: no struct for command ${command}`);
  const offsets = new Map<string, number>();
  let size = 0;
  for (const field of fields) {
    const [name, bytes] = typeof field === 'string' ? [field, 4] : field;
    offsets.set(name, size);
    size += bytes;
  }
  return { size, offsets };
}

function offsetOf(command: number, name: string): number {
  const offset = layout(command).offsets.get(name);
  if (offset === undefined) throw new Error(`fake pcscd: command ${command} has no field ${name}`);
  return offset;
}

/** A 4-byte field of a request's (or answer's) struct, unsigned. */
export function field(request: FakeRequest, name: string): number {
  return new DataView(request.struct.buffer, request.struct.byteOffset).getUint32(offsetOf(request.command, name), true);
}

/** A byte field (a connect's reader name, an attribute's value) of a struct. */
export function bytesField(request: FakeRequest, name: string, length: number): Uint8Array {
  const at = offsetOf(request.command, name);
  return request.struct.subarray(at, at + length);
}

/** One request as the fake received it. */
export interface FakeRequest {
  /** Which client connection sent it (1, 2, … in the order they connected). */
  readonly connection: number;
  readonly command: number;
  /** The header's size field. */
  readonly size: number;
  readonly struct: Uint8Array;
  /** The bytes after the struct (a transmit's command, a control's input). */
  readonly extra: Uint8Array;
}

/** How to answer one request of a command, instead of the fake's usual answer. */
export interface Step {
  /** Answer this rv (the struct alone, as pcscd does for an error). */
  rv?: number;
  /** Never answer (this request or any later one on its connection). */
  silent?: boolean;
  /** Close the connection instead of answering. */
  close?: boolean;
  /** Write the usual answer in pieces of this many bytes … */
  chunkBytes?: number;
  /** … each after this many milliseconds. */
  chunkDelayMs?: number;
  /** How many requests this step answers (default 1; Infinity: all from now on). */
  times?: number;
}

/** What the fake's usual answers carry. */
export interface FakeAnswers {
  context?: number;
  card?: number;
  protocol?: number;
  reconnectProtocol?: number;
  /** A GET_ATTRIB's value. */
  attribute?: number[];
  /**
   * The protocol minor version the fake pcscd has (major 4): 4 takes only 4.4 (pcsc-lite 1.9);
   * 5 or 6 also takes older minors down to 4 (pcsc-lite 2). It answers its own either way.
   */
  serverMinor?: number;
}

const DEFAULT_ANSWERS: Required<FakeAnswers> = {
  context: 0x0c0ffee1,
  card: 0x2a3b4c5d,
  protocol: 2,
  reconnectProtocol: 1,
  attribute: [0x3b, 0x8f, 0x80, 0x01],
  serverMinor: 4,
};

/** The fake card's answer to a command: the command's bytes reversed, then 90 00. */
export function fakeResponse(command: Uint8Array): Uint8Array {
  return Uint8Array.from([...command].reverse().concat([0x90, 0x00]));
}

/** The fake reader's answer to a control input: the input's bytes each XOR 0xff. */
export function fakeControlOutput(input: Uint8Array): Uint8Array {
  return input.map((byte) => byte ^ 0xff);
}

/** What the test asks of the fake's thread. */
type Order = { op: 'reset'; answers: FakeAnswers } | { op: 'plan'; command: number; steps: Step[] } | { op: 'log' };
type Request = Order & { id: number };

/** The test's handle on a fake pcscd running on its own thread. */
export class FakePcscd {
  readonly path: string;
  private readonly folder: string;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly replies = new Map<number, (value: unknown) => void>();

  private constructor(folder: string, worker: Worker) {
    this.folder = folder;
    this.path = join(folder, 'pcscd.comm');
    this.worker = worker;
    worker.on('message', (message: { id: number; value: unknown }) => {
      this.replies.get(message.id)?.(message.value);
      this.replies.delete(message.id);
    });
  }

  static async start(): Promise<FakePcscd> {
    const folder = mkdtempSync(join(tmpdir(), 'fake-pcscd-'));
    const here = import.meta.url;
    const tsx = import.meta.resolve('tsx/esm/api');
    const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(here)}))`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { fakePcscdPath: join(folder, 'pcscd.comm') }, execArgv: [] });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    await ready;
    return new FakePcscd(folder, worker);
  }

  /** A path in the fake's folder where nothing listens. */
  get nowhere(): string {
    return join(this.folder, 'nobody-here.comm');
  }

  /** Forgets the requests and the plans, closes the connections, answers with `answers` from now on. */
  reset(answers: FakeAnswers = {}): Promise<unknown> {
    return this.ask({ op: 'reset', answers });
  }

  /** The next requests of `command` are answered by `steps`, in order; then as usual again. */
  plan(command: number, ...steps: Step[]): Promise<unknown> {
    return this.ask({ op: 'plan', command, steps });
  }

  /** The requests received so far. */
  async requests(command?: number): Promise<FakeRequest[]> {
    const all = (await this.ask({ op: 'log' })) as FakeRequest[];
    return command === undefined ? all : all.filter((request) => request.command === command);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
    rmSync(this.folder, { recursive: true, force: true });
  }

  private ask(request: Order): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      this.worker.postMessage({ ...request, id });
    });
  }
}

/** The server, on the worker thread. */
function serve(path: string): void {
  const port = toParent;
  if (!port) throw new Error('fake pcscd: not on a worker thread');
  let answers = { ...DEFAULT_ANSWERS };
  let log: FakeRequest[] = [];
  let plans = new Map<number, Step[]>();
  const connections = new Set<Socket>();
  let connectionCount = 0;

  const nextStep = (command: number): Step | undefined => {
    const steps = plans.get(command);
    const step = steps?.[0];
    if (!steps || !step) return undefined;
    const times = (step.times ?? 1) - 1;
    if (times <= 0) steps.shift();
    else steps[0] = { ...step, times };
    return step;
  };

  const usualAnswer = (request: FakeRequest): Uint8Array => {
    const struct = request.struct.slice();
    const view = new DataView(struct.buffer);
    const set = (name: string, value: number): void => view.setUint32(offsetOf(request.command, name), value >>> 0, true);
    let extra: Uint8Array = new Uint8Array(0);
    switch (request.command) {
      case CMD.VERSION: {
        const stated = field(request, 'minor');
        const takes = stated === answers.serverMinor || (stated >= 4 && stated < answers.serverMinor);
        set('major', 4);
        set('minor', answers.serverMinor);
        // Refused (SCARD_E_SERVICE_STOPPED), with the fake's own version all the same.
        if (field(request, 'major') !== 4 || !takes) {
          set('rv', 0x8010001e);
          return struct;
        }
        break;
      }
      case CMD.ESTABLISH_CONTEXT:
        set('context', answers.context);
        break;
      case CMD.CONNECT:
        set('card', answers.card);
        set('activeProtocol', answers.protocol);
        break;
      case CMD.RECONNECT:
        set('activeProtocol', answers.reconnectProtocol);
        break;
      case CMD.TRANSMIT:
        extra = fakeResponse(request.extra);
        set('recvLength', extra.length);
        break;
      case CMD.CONTROL:
        extra = fakeControlOutput(request.extra);
        set('bytesReturned', extra.length);
        break;
      case CMD.GET_ATTRIB:
        struct.set(answers.attribute, offsetOf(request.command, 'value'));
        set('length', answers.attribute.length);
        break;
    }
    // An answer longer than the client's room is refused with its length, and not sent (as pcscd does).
    const room = request.command === CMD.TRANSMIT || request.command === CMD.CONTROL ? field(request, 'recvLength') : Infinity;
    if (extra.length > room) {
      set('rv', INSUFFICIENT_BUFFER);
      return struct;
    }
    set('rv', 0);
    const answer = new Uint8Array(struct.length + extra.length);
    answer.set(struct);
    answer.set(extra, struct.length);
    return answer;
  };

  const refusal = (request: FakeRequest, rv: number): Uint8Array => {
    const struct = request.struct.slice();
    const view = new DataView(struct.buffer);
    view.setUint32(struct.length - 4, rv >>> 0, true);
    // A refused transmit still says a length (pcscd's does): a client must not read bytes after it.
    if (request.command === CMD.TRANSMIT) view.setUint32(offsetOf(CMD.TRANSMIT, 'recvLength'), field(request, 'recvLength'), true);
    return struct;
  };

  const answer = async (socket: Socket, request: FakeRequest): Promise<void> => {
    const step = nextStep(request.command);
    if (step?.silent) return new Promise(() => {});
    if (step?.close) {
      socket.destroy();
      return;
    }
    const bytes = step?.rv !== undefined ? refusal(request, step.rv) : usualAnswer(request);
    const piece = step?.chunkBytes ?? bytes.length;
    for (let at = 0; at < bytes.length; at += piece) {
      if (step?.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, step.chunkDelayMs));
      if (socket.destroyed) return;
      socket.write(bytes.subarray(at, at + piece));
    }
  };

  const server = createServer((socket) => {
    const connection = ++connectionCount;
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => {});
    let received = new Uint8Array(0);
    let answering: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const joined = new Uint8Array(received.length + chunk.length);
      joined.set(received);
      joined.set(chunk, received.length);
      received = joined;
      for (;;) {
        if (received.length < 8) return;
        const header = new DataView(received.buffer, received.byteOffset);
        const size = header.getUint32(0, true);
        const command = header.getUint32(4, true);
        // pcscd ends a connection whose message is not its command's struct.
        if (!FIELDS[command] || layout(command).size !== size) {
          socket.destroy();
          return;
        }
        if (received.length < 8 + size) return;
        const struct = received.slice(8, 8 + size);
        const sendLength =
          command === CMD.TRANSMIT || command === CMD.CONTROL
            ? new DataView(struct.buffer).getUint32(offsetOf(command, 'sendLength'), true)
            : 0;
        if (received.length < 8 + size + sendLength) return;
        const request: FakeRequest = { connection, command, size, struct, extra: received.slice(8 + size, 8 + size + sendLength) };
        received = received.slice(8 + size + sendLength);
        log.push(request);
        // One answer at a time, in the order asked, as pcscd's thread for a client does.
        answering = answering.then(() => answer(socket, request));
      }
    });
  });

  port.on('message', (message: Request) => {
    switch (message.op) {
      case 'reset':
        answers = { ...DEFAULT_ANSWERS, ...message.answers };
        log = [];
        plans = new Map();
        for (const socket of connections) socket.destroy();
        port.postMessage({ id: message.id, value: true });
        break;
      case 'plan':
        plans.set(message.command, [...(plans.get(message.command) ?? []), ...message.steps]);
        port.postMessage({ id: message.id, value: true });
        break;
      case 'log':
        port.postMessage({ id: message.id, value: log });
        break;
    }
  });
  server.listen(path, () => port.postMessage({ ready: true }));
}

const fakePcscdPath = (startData as { fakePcscdPath?: string } | null)?.fakePcscdPath;
if (toParent && fakePcscdPath) serve(fakePcscdPath);
