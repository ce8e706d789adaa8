import { SCARD, SCARD_E } from './pcsc-platform.js';
import { PcscdSocket } from './pcscd-socket.js';
import { ScardError } from './scard-error.js';
import type { CardStatus, ReaderState, ScardHandle, ScardLibrary } from './scard-library.js';
import type { ScardCalls, ScardMethod } from './scard-thread.js';

/** The library calls whose first argument is a card handle (besides transmit). */
const CARD_METHODS: ReadonlySet<ScardMethod> = new Set<ScardMethod>([
  'reconnect',
  'disconnect',
  'beginTransaction',
  'endTransaction',
  'control',
  'getAttribute',
  'status',
]);

/** A card connected through pcscd's socket: where, on which connection, with what protocol. */
interface SocketCard {
  readonly socket: PcscdSocket;
  readonly reader: string;
  /** The library context (on the thread) the caller connected with: the reader's state is read on it. */
  readonly context: ScardHandle;
  protocol: number;
}

/**
 * PC/SC calls on Linux (pcsc-lite): the calls on a card handle go through pcscd's socket on the
 * event loop (PcscdSocket: one thread wake-up per answer instead of two), those on a context
 * (readers, their states and the waits for a change, cancel) through the platform library on a
 * ScardThread. connect() opens the card on a pcscd connection of its own, beside the caller's
 * library context (pcscd ties a card handle to the connection that opened it). Where pcscd's
 * socket cannot be used (another path, a pcscd that refuses our protocol version) the card is
 * connected through the library instead, and all its calls follow it there.
 */
export class PcscdCardCalls implements ScardCalls {
  private readonly thread: ScardCalls;
  private socket: PcscdSocket | undefined;
  private opening: Promise<PcscdSocket | undefined> | undefined;
  private readonly socketCards = new Map<ScardHandle, SocketCard>();

  private readonly busyPollMicros: number | undefined;

  /** `busyPollMicros`: see DEFAULT_BUSY_POLL_MICROS (pcscd-socket.ts). */
  constructor(thread: ScardCalls, options: { busyPollMicros?: number } = {}) {
    this.thread = thread;
    this.busyPollMicros = options.busyPollMicros;
  }

  get abandoned(): boolean {
    return this.thread.abandoned;
  }

  call<M extends ScardMethod>(
    method: M,
    args: Parameters<ScardLibrary[M]>,
    timeoutMs: number,
    doing: string,
  ): Promise<ReturnType<ScardLibrary[M]>> {
    if (method === 'connect')
      return this.connect(args as Parameters<ScardLibrary['connect']>, timeoutMs, doing) as Promise<ReturnType<ScardLibrary[M]>>;
    // Looked up for the calls on a card only: a context handle may equal a card handle in value.
    const card = CARD_METHODS.has(method) ? this.socketCards.get(args[0] as ScardHandle) : undefined;
    if (!card) return this.thread.call(method, args, timeoutMs, doing);
    return this.onSocket(card, method, args, timeoutMs, doing) as Promise<ReturnType<ScardLibrary[M]>>;
  }

  transmit(
    card: ScardHandle,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Promise<Uint8Array> {
    const socketCard = this.socketCards.get(card);
    if (!socketCard) return this.thread.transmit(card, protocol, command, maxResponse, timeoutMs, doing);
    return socketCard.socket.transmit(card as number, protocol, command, maxResponse, timeoutMs, doing);
  }

  transmitSync(
    card: ScardHandle,
    protocol: number,
    command: Uint8Array,
    maxResponse: number,
    timeoutMs: number,
    doing: string,
  ): Uint8Array | undefined {
    const socketCard = this.socketCards.get(card);
    return socketCard?.socket.transmitSync(card as number, protocol, command, maxResponse, timeoutMs, doing);
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.socketCards.clear();
    this.thread.close();
  }

  private async connect(
    [context, reader, share, protocols]: Parameters<ScardLibrary['connect']>,
    timeoutMs: number,
    doing: string,
  ): Promise<{ card: ScardHandle; protocol: number }> {
    const socket = await this.openSocket(timeoutMs);
    if (!socket) return this.thread.call('connect', [context, reader, share, protocols], timeoutMs, doing);
    const connected = await socket.connect(reader, share, protocols, timeoutMs, doing);
    this.socketCards.set(connected.card, { socket, reader, context, protocol: connected.protocol });
    return connected;
  }

  /**
   * The pcscd connection for a new card (a new one when pcscd ended the last); undefined when the
   * socket cannot be used now, and the library is to connect instead. A pcscd that does not
   * answer fails here with TransportError('timeout'), as the library's call would.
   */
  private async openSocket(timeoutMs: number): Promise<PcscdSocket | undefined> {
    if (this.socket && !this.socket.ended) return this.socket;
    // Two connects at once share one new connection.
    this.opening ??= PcscdSocket.open(timeoutMs, undefined, { busyPollMicros: this.busyPollMicros }).then(
      (socket) => {
        this.socket = socket;
        return socket;
      },
      (error: unknown) => {
        if (error instanceof ScardError) return undefined;
        throw error;
      },
    );
    try {
      return await this.opening;
    } finally {
      this.opening = undefined;
    }
  }

  private async onSocket(card: SocketCard, method: ScardMethod, args: unknown[], timeoutMs: number, doing: string): Promise<unknown> {
    const handle = args[0] as number;
    const { socket } = card;
    switch (method) {
      case 'reconnect': {
        const [, share, protocols, initialization] = args as Parameters<ScardLibrary['reconnect']>;
        card.protocol = await socket.reconnect(handle, share, protocols, initialization, timeoutMs, doing);
        return card.protocol;
      }
      case 'disconnect':
        this.socketCards.delete(handle);
        return socket.disconnect(handle, args[1] as number, timeoutMs, doing);
      case 'beginTransaction':
        return socket.beginTransaction(handle, timeoutMs, doing);
      case 'endTransaction':
        return socket.endTransaction(handle, args[1] as number, timeoutMs, doing);
      case 'control': {
        const [, code, input, maxOutput] = args as Parameters<ScardLibrary['control']>;
        return socket.control(handle, code, input, maxOutput ?? 4096, timeoutMs, doing);
      }
      case 'getAttribute':
        return socket.getAttribute(handle, args[1] as number, timeoutMs, doing);
      case 'status':
        return this.status(card, handle, timeoutMs, doing);
      default:
        throw new ScardError(SCARD_E.INVALID_PARAMETER, `${doing}: ${method} is not a call on a card`);
    }
  }

  /**
   * SCardStatus as libpcsclite makes it: pcscd checks the handle, and the reader's state and ATR
   * come from the readers' shared state (here: a GetStatusChange that returns at once).
   */
  private async status(card: SocketCard, handle: number, timeoutMs: number, doing: string): Promise<CardStatus> {
    await card.socket.checkCard(handle, timeoutMs, doing);
    const states = await this.thread.call(
      'getStatusChange',
      [card.context, 0, [{ reader: card.reader, currentState: SCARD.STATE_UNAWARE }]],
      timeoutMs,
      doing,
    );
    const state: ReaderState | undefined = Array.isArray(states) ? states[0] : undefined;
    const present = ((state?.eventState ?? 0) & SCARD.STATE_PRESENT) !== 0;
    // SCardStatus's own state values: SCARD_SPECIFIC (powered, protocol set) or SCARD_ABSENT.
    return { reader: card.reader, state: present ? 0x0040 : 0x0002, protocol: card.protocol, atr: state?.atr ?? new Uint8Array(0) };
  }
}
