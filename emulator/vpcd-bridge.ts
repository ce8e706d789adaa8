import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { VirtualCard } from './virtual-card.js';

/** vpcd's first slot ("Virtual PCD 00 00"); slot n listens on this port + n. */
export const VPCD_DEFAULT_PORT = 35963;

/** One-byte control codes vpcd sends; anything longer is a C-APDU. */
const VPCD_POWER_OFF = 0x00;
const VPCD_POWER_ON = 0x01;
const VPCD_RESET = 0x02;
const VPCD_GET_ATR = 0x04;

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
 * both ways.
 */
export class VpcdBridge extends EventEmitter<VpcdBridgeEvents> {
  readonly host: string;
  readonly port: number;
  private readonly card: VirtualCard;
  private readonly reconnect: boolean;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly minAbsentMs: number;
  private socket: Socket | undefined;
  private isConnected = false;
  private stopped = true;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private pending: Buffer = Buffer.alloc(0);
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
    this.backoffMs = this.minBackoffMs;
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
    if (!this.stopped) return;
    this.stopped = false;
    this.openWhenSlotReady();
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

  /** Removes the card: closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private get slot(): string {
    return `${this.host}:${this.port}`;
  }

  private openWhenSlotReady(): void {
    const wait = (slotEmptiedAt.get(this.slot) ?? 0) + this.minAbsentMs - Date.now();
    if (wait <= 0) {
      this.open();
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.open();
    }, wait);
  }

  private open(): void {
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.isConnected = true;
      this.backoffMs = this.minBackoffMs;
      this.pending = Buffer.alloc(0);
      this.emit('connected');
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error) => this.emit('error', error));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      const wasConnected = this.isConnected;
      this.isConnected = false;
      if (wasConnected) slotEmptiedAt.set(this.slot, Date.now());
      // Leaving the reader cuts the card's power: security state goes, persistent state stays.
      if (this.powered) {
        this.powered = false;
        this.card.powerOff();
      }
      if (wasConnected) this.emit('disconnected');
      if (!this.stopped && this.reconnect) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.openWhenSlotReady();
    }, delay);
  }

  /** vpcd may split one frame over several reads (bookworm writes length and body apart) or pack several into one. */
  private onData(socket: Socket, chunk: Buffer): void {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (buffer.length >= 2) {
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) break;
      const payload = buffer.subarray(2, 2 + length);
      buffer = buffer.subarray(2 + length);
      const reply = this.handle(payload);
      if (reply && !socket.destroyed) socket.write(frame(reply));
    }
    // Copy the leftover so the (possibly large) chunk it points into can be freed.
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
  }

  private handle(payload: Buffer): Uint8Array | undefined {
    if (payload.length === 1) {
      switch (payload[0]) {
        case VPCD_POWER_OFF:
          this.powered = false;
          this.card.powerOff();
          return undefined;
        case VPCD_POWER_ON:
          this.atr = this.card.powerOn();
          this.powered = true;
          return undefined;
        case VPCD_RESET:
          this.atr = this.card.reset();
          this.powered = true;
          return undefined;
        case VPCD_GET_ATR:
          // vpcd asks for the ATR to see whether a card is there, before powering it.
          if (!this.atr) {
            this.atr = this.card.powerOn();
            this.powered = true;
          }
          return this.atr;
        default:
          return undefined;
      }
    }
    this.commandCount++;
    try {
      // A copy: the card may keep what it is given, and the socket reuses its buffers.
      return this.card.transmit(new Uint8Array(payload));
    } catch {
      // VirtualCard.transmit promises never to throw; if one does, the reader still gets an answer.
      return SW_INTERNAL_ERROR;
    }
  }
}

/** Length-prefixed in one buffer, so the reply goes out in a single write (split writes cost a delayed ACK each). */
function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}
