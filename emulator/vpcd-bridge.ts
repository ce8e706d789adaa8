import { EventEmitter } from 'node:events';
import type { VirtualCard } from './virtual-card.js';
import { runVpcdSocketInline, type SocketThread, startVpcdSocketThread } from './vpcd-socket-thread.js';

/** vpcd's first slot ("Virtual PCD 00 00"); slot n listens on this port + n. */
export const VPCD_DEFAULT_PORT = 35963;

/** One-byte control codes vpcd sends (GET ATR, 04, is answered by the socket thread). */
const VPCD_POWER_OFF = 0x00;
const VPCD_POWER_ON = 0x01;
const VPCD_RESET = 0x02;

/** Answer to a command the card could not process at all: "no precise diagnosis". */
const SW_INTERNAL_ERROR = new Uint8Array([0x6f, 0x00]);

export interface VpcdBridgeOptions {
  /** Loopback only by default: vpcd listens on every interface, we never reach beyond this host. */
  host?: string;
  port?: number;
  /** Reconnect when vpcd drops us or is not there yet (pcscd restarting). Default true. */
  reconnect?: boolean;
  /** First reconnect delay; doubles up to maxBackoffMs and resets once connected. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long a card stays out of a slot before it (or another card) goes back in. pcscd checks
   * presence every 400 ms; a card re-inserted faster than that is never seen leaving, pcscd keeps
   * the old card's power state, and its commands fail ("Transaction failed"). Default 1000 ms.
   */
  minAbsentMs?: number;
  /**
   * Keep the vpcd connection in a worker thread (default true), so that vpcd's presence polls are
   * answered even while this process waits in a synchronous PC/SC call. A process that only
   * serves cards and never calls PC/SC itself (`sscard emulate`) may pass false: one thread hop
   * per command less.
   */
  socketThread?: boolean;
}

/** When each slot (host:port) last lost its card, across all bridges of this process. */
const slotEmptiedAt = new Map<string, number>();

export interface VpcdBridgeEvents {
  /** The card is "inserted": vpcd accepted the connection. */
  connected: [];
  /** The card is "removed": the connection closed (by us or by vpcd). */
  disconnected: [];
  /** A socket error (connection refused while pcscd is down, reset, …); the bridge keeps retrying. */
  error: [Error];
}

/**
 * Puts a VirtualCard into vpcd's virtual reader, so that every PC/SC client on the host
 * (pcscd, pyscard, scriptor, OpenSC, our PcscTransport) sees it as a card in a real reader.
 * Connecting is insertion, closing is removal. vicc protocol: 2-byte big-endian length + payload
 * both ways. The connection lives in a worker thread by default (vpcd-socket-thread.ts says why):
 * the same process can serve a card and read it through PC/SC without the two waiting on each other.
 */
export class VpcdBridge extends EventEmitter<VpcdBridgeEvents> {
  readonly host: string;
  readonly port: number;
  private readonly card: VirtualCard;
  private readonly reconnect: boolean;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly minAbsentMs: number;
  private readonly socketThread: boolean;
  private worker: SocketThread | undefined;
  private stopping: Promise<void> | undefined;
  private onStopped: (() => void) | undefined;
  private isConnected = false;
  private atr: Uint8Array | undefined;
  private powered = false;
  private commandCount = 0;

  constructor(card: VirtualCard, options: VpcdBridgeOptions = {}) {
    super();
    this.card = card;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? VPCD_DEFAULT_PORT;
    this.reconnect = options.reconnect ?? true;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.minAbsentMs = options.minAbsentMs ?? 1000;
    this.socketThread = options.socketThread ?? true;
    // Errors are reported as events; an unheard 'error' must not crash the process.
    this.on('error', () => {});
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** How many C-APDUs the card has answered through this bridge. */
  get commandsHandled(): number {
    return this.commandCount;
  }

  /** Starts connecting (and keeps retrying when `reconnect`); resolves at once. */
  start(): void {
    if (this.worker) return;
    // vpcd's first question is the ATR: the card is powered now so the thread can answer it.
    if (!this.atr) {
      this.atr = this.card.powerOn();
      this.powered = true;
    }
    const workerData = {
      host: this.host,
      port: this.port,
      reconnect: this.reconnect,
      minBackoffMs: this.minBackoffMs,
      maxBackoffMs: this.maxBackoffMs,
      minAbsentMs: this.minAbsentMs,
      emptiedAt: slotEmptiedAt.get(this.slot) ?? 0,
      atr: this.atr,
    };
    const worker = this.socketThread ? startVpcdSocketThread(workerData) : runVpcdSocketInline(workerData);
    this.worker = worker;
    worker.on('message', (message) => this.onThreadMessage(worker, message as ThreadMessage));
    worker.on('error', (error) => this.emit('error', error as Error));
  }

  /** Resolves once vpcd has accepted the card, rejects after `timeoutMs`. */
  waitConnected(timeoutMs = 10_000): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new Error(`vpcd at ${this.host}:${this.port} did not accept the card within ${timeoutMs} ms (is pcscd running with vpcd?)`));
      }, timeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  /** Removes the card: closes the connection, stops reconnecting and ends the thread. */
  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopping ??= new Promise<void>((resolve) => {
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(bound);
        this.worker = undefined;
        this.stopping = undefined;
        this.onStopped = undefined;
        void worker.terminate().then(() => resolve());
      };
      // The thread answers 'stopped' once its socket closed; a thread that died answers nothing.
      const bound = setTimeout(done, 2000);
      worker.once('exit', done);
      this.onStopped = done;
      worker.postMessage({ type: 'stop' });
    });
    return this.stopping;
  }

  private get slot(): string {
    return `${this.host}:${this.port}`;
  }

  private onThreadMessage(worker: SocketThread, message: ThreadMessage): void {
    switch (message.type) {
      case 'connected':
        this.isConnected = true;
        this.emit('connected');
        return;
      case 'disconnected':
        this.isConnected = false;
        slotEmptiedAt.set(this.slot, message.at);
        // Leaving the reader cuts the card's power: security state goes, persistent state stays.
        if (this.powered) {
          this.powered = false;
          this.card.powerOff();
        }
        this.emit('disconnected');
        return;
      case 'error': {
        const error = new Error(message.message) as NodeJS.ErrnoException;
        if (message.code !== undefined) error.code = message.code;
        this.emit('error', error);
        return;
      }
      case 'stopped':
        this.onStopped?.();
        return;
      case 'control':
        this.control(worker, message.code);
        return;
      case 'apdu':
        worker.postMessage({ type: 'reply', id: message.id, bytes: this.answer(message.bytes) });
        return;
    }
  }

  private control(worker: SocketThread, code: number): void {
    switch (code) {
      case VPCD_POWER_OFF:
        this.powered = false;
        this.card.powerOff();
        return;
      case VPCD_POWER_ON:
        this.atr = this.card.powerOn();
        this.powered = true;
        break;
      case VPCD_RESET:
        this.atr = this.card.reset();
        this.powered = true;
        break;
      default:
        return;
    }
    worker.postMessage({ type: 'atr', atr: this.atr });
  }

  private answer(command: Uint8Array): Uint8Array {
    this.commandCount++;
    try {
      return this.card.transmit(command);
    } catch {
      // VirtualCard.transmit promises never to throw; if one does, the reader still gets an answer.
      return SW_INTERNAL_ERROR;
    }
  }
}

type ThreadMessage =
  | { type: 'connected' }
  | { type: 'disconnected'; at: number }
  | { type: 'error'; message: string; code?: string }
  | { type: 'stopped' }
  | { type: 'control'; code: number }
  | { type: 'apdu'; id: number; bytes: Uint8Array };
