import { isContactlessAtr } from '../apdu/atr.js';
import type { CardTransport, ResetKind } from './card-transport.js';
import { parkUntilSettled } from './parked-handles.js';
import { loadPcscBinding, type PcscBinding, type PcscCard, type PcscContext, type PcscReader, pcscFailure } from './pcsc-binding.js';
import { TransportError } from './transport-error.js';
import { withTimeout } from './with-timeout.js';

export type PcscShareMode = 'shared' | 'exclusive';
export type PcscProtocol = 'T0' | 'T1' | 'any';

export interface PcscTransportOptions {
  /** Exact reader name, or a case-insensitive part of one. Default: the first reader holding a card. */
  reader?: string;
  /** Shared (default) lets other programs use the card between our commands; exclusive locks them out. */
  share?: PcscShareMode;
  /** Protocol to negotiate; `any` (default) lets the reader pick T=0 or T=1. */
  protocol?: PcscProtocol;
  /** Upper bound for every single operation (connect, transmit, reset). Default 10 s. */
  timeoutMs?: number;
  /** Receive buffer size: default fits an extended APDU's 65,536 data bytes plus SW1 SW2. */
  maxResponseLength?: number;
  /** How long connect() waits for a card to be inserted. Default 0: fail at once with 'no-card'. */
  waitForCardMs?: number;
  /** Another binding (tests); default: the `smartcard` package, loaded on first use. */
  binding?: PcscBinding | (() => Promise<PcscBinding>);
}

/** What a transaction body may do with the card while it holds it. */
export interface PcscTransactionCard {
  transmit(command: Uint8Array): Promise<Uint8Array>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const EXTENDED_RESPONSE_LENGTH = 65_536 + 2;

/**
 * A card in a PC/SC reader (pcscd on Linux/macOS, WinSCard on Windows), via the `smartcard`
 * N-API binding. Every operation has a timeout; every failure is a TransportError whose reason
 * says whether to reconnect (card-removed), wait (no-service), or give up. After a failure,
 * connect() may be called again: it builds a fresh PC/SC context when the service restarted.
 */
export class PcscTransport implements CardTransport {
  private readonly options: PcscTransportOptions;
  private readonly timeoutMs: number;
  private readonly maxResponseLength: number;
  private binding: PcscBinding | undefined;
  private context: PcscContext | undefined;
  private card: PcscCard | undefined;
  private readerName: string | undefined;
  private currentAtr: Uint8Array | undefined;
  /** Why the card went away, reported by every call until connect() succeeds again. */
  private lost: TransportError | undefined;
  private closed = false;
  /** Serializes commands: one APDU at a time, and a transaction's commands without others between. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last native call started, which a timeout leaves running inside pcscd. */
  private inFlight: Promise<unknown> | undefined;

  constructor(options: PcscTransportOptions = {}) {
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseLength = options.maxResponseLength ?? EXTENDED_RESPONSE_LENGTH;
  }

  get name(): string {
    return this.readerName ?? this.options.reader ?? 'PC/SC';
  }

  /** The ATR of the connected card (after connect or reset). */
  get atr(): Uint8Array | undefined {
    return this.currentAtr;
  }

  get connected(): boolean {
    return this.card !== undefined;
  }

  /** The protocol the reader negotiated. */
  get activeProtocol(): 'T0' | 'T1' | 'raw' | undefined {
    if (!this.card || !this.binding) return undefined;
    const p = this.card.protocol;
    if (p === this.binding.SCARD_PROTOCOL_T0) return 'T0';
    if (p === this.binding.SCARD_PROTOCOL_T1) return 'T1';
    return 'raw';
  }

  /** Contactless cards show the ATR the reader synthesizes from their ATS (PC/SC part 3). */
  get cardKind(): 'contact' | 'contactless' | undefined {
    if (!this.currentAtr) return undefined;
    return isContactlessAtr(this.currentAtr) ? 'contactless' : 'contact';
  }

  async connect(): Promise<Uint8Array> {
    this.assertOpen();
    const binding = await this.loadBinding();
    this.dropCard();
    const context = this.ensureContext(binding);
    const reader = await this.findReader(binding, context);
    const share = this.options.share === 'exclusive' ? binding.SCARD_SHARE_EXCLUSIVE : binding.SCARD_SHARE_SHARED;
    const connecting = this.native(reader.connect(share, this.protocolMask(binding)));
    try {
      this.card = await withTimeout(connecting, this.timeoutMs, `connecting to "${reader.name}"`);
    } catch (error) {
      // A connect that completes after we gave up (the reader was locked) must not keep the card.
      connecting.then(
        (late) => {
          try {
            late.disconnect(binding.SCARD_LEAVE_CARD);
          } catch {
            // Gone already.
          }
        },
        () => {},
      );
      throw this.fail(error, `connecting to "${reader.name}"`, 'no-card');
    }
    this.readerName = reader.name;
    this.lost = undefined;
    this.currentAtr = this.readAtr();
    return this.currentAtr;
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.serialized(() => this.transmitNow(command));
  }

  /**
   * Runs `body` with the card to itself: no other command of this transport runs in between.
   * With `exclusive`, other programs are locked out too (the binding has no SCardBeginTransaction,
   * so the connection is switched to exclusive for the duration and back to shared after).
   */
  transaction<T>(body: (card: PcscTransactionCard) => Promise<T>, options: { exclusive?: boolean } = {}): Promise<T> {
    return this.serialized(async () => {
      const switchShare = options.exclusive === true && this.options.share !== 'exclusive';
      if (switchShare) await this.reconnect('exclusive', 'leave');
      try {
        return await body({ transmit: (command) => this.transmitNow(command) });
      } finally {
        // Not SCardReconnect back to shared: pcsc-lite then keeps the reader locked and other
        // programs' connects wait forever. A fresh shared connection releases it.
        if (switchShare && this.card) await this.reopenShared();
      }
    });
  }

  /** Warm reset keeps the card powered; cold reset powers it off and on. Returns the new ATR. */
  reset(kind: ResetKind = 'warm'): Promise<Uint8Array> {
    return this.serialized(async () => {
      await this.reconnect(this.options.share ?? 'shared', kind === 'cold' ? 'unpower' : 'reset');
      this.currentAtr = this.readAtr();
      return this.currentAtr;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => {});
    this.dropCard();
    this.dropContext();
  }

  private async transmitNow(command: Uint8Array): Promise<Uint8Array> {
    const card = this.requireCard();
    const what = `sending a command to "${this.name}"`;
    try {
      const buffer = Buffer.from(command.buffer, command.byteOffset, command.length);
      const response = await withTimeout(
        this.native(card.transmit(buffer, { maxRecvLength: this.maxResponseLength })),
        this.timeoutMs,
        what,
      );
      if (response.length < 2) {
        // vpcd answers "success, 0 bytes" when the card vanishes mid-command: no status word is no answer.
        throw new TransportError('other', `the reader returned ${response.length} byte(s) and no status word`);
      }
      return new Uint8Array(response.buffer, response.byteOffset, response.length);
    } catch (error) {
      throw await this.failDuringCommand(error, what);
    }
  }

  private async reconnect(share: PcscShareMode, disposition: 'leave' | 'reset' | 'unpower'): Promise<void> {
    const card = this.requireCard();
    const binding = this.binding!;
    const shareMode = share === 'exclusive' ? binding.SCARD_SHARE_EXCLUSIVE : binding.SCARD_SHARE_SHARED;
    const init = { leave: binding.SCARD_LEAVE_CARD, reset: binding.SCARD_RESET_CARD, unpower: binding.SCARD_UNPOWER_CARD }[disposition];
    const what = disposition === 'leave' ? `switching "${this.name}" to ${share} access` : `resetting the card in "${this.name}"`;
    try {
      await withTimeout(this.native(card.reconnect(shareMode, this.protocolMask(binding), init)), this.timeoutMs, what);
    } catch (error) {
      throw await this.failDuringCommand(error, what);
    }
  }

  private async reopenShared(): Promise<void> {
    const binding = this.binding!;
    const context = this.context;
    const name = this.readerName;
    this.dropCard();
    if (!context || !name) return;
    try {
      const reader = context.listReaders().find((r) => r.name === name);
      if (!reader) throw new TransportError('no-reader', `reader "${name}" went away`);
      this.card = await withTimeout(
        this.native(reader.connect(binding.SCARD_SHARE_SHARED, this.protocolMask(binding))),
        this.timeoutMs,
        `reconnecting to "${name}"`,
      );
    } catch (error) {
      throw this.fail(error, `returning "${name}" to shared access`);
    }
  }

  /** Notes a native call as the one a timeout would leave running. */
  private native<T>(call: Promise<T>): Promise<T> {
    this.inFlight = call;
    return call;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  private async loadBinding(): Promise<PcscBinding> {
    if (this.binding) return this.binding;
    const source = this.options.binding;
    this.binding = typeof source === 'function' ? await source() : (source ?? (await loadPcscBinding()));
    return this.binding;
  }

  private ensureContext(binding: PcscBinding): PcscContext {
    if (this.context?.isValid) return this.context;
    this.dropContext();
    try {
      this.context = new binding.Context();
    } catch (error) {
      throw pcscFailure(error, 'opening the PC/SC service');
    }
    return this.context;
  }

  private async findReader(binding: PcscBinding, context: PcscContext): Promise<PcscReader> {
    const deadline = Date.now() + (this.options.waitForCardMs ?? 0);
    for (;;) {
      let readers: PcscReader[];
      try {
        readers = context.listReaders();
      } catch (error) {
        throw this.fail(error, 'listing PC/SC readers');
      }
      const wanted = this.options.reader;
      const match = wanted === undefined ? undefined : pickReader(readers, wanted);
      if (wanted !== undefined && !match && Date.now() >= deadline) {
        const names = readers.map((r) => `"${r.name}"`).join(', ') || 'none';
        throw new TransportError('no-reader', `no PC/SC reader matches "${wanted}" (readers: ${names})`);
      }
      const withCard = readers.filter((r) => (r.state & binding.SCARD_STATE_PRESENT) !== 0);
      const candidate = match ?? withCard[0];
      if (candidate && (candidate.state & binding.SCARD_STATE_PRESENT) !== 0) return candidate;
      if (Date.now() >= deadline) {
        if (readers.length === 0) throw new TransportError('no-reader', 'no PC/SC reader is attached');
        throw new TransportError('no-card', `no card in ${candidate ? `"${candidate.name}"` : 'any PC/SC reader'}`);
      }
      // Sleep until something changes, then look again (bounded, so a missed wake-up costs little).
      const watch = candidate ? [{ name: candidate.name, state: candidate.state }] : undefined;
      const wait = Math.max(1, Math.min(500, deadline - Date.now()));
      try {
        await withTimeout(this.native(context.waitForChange(watch, wait)), wait + 1000, 'waiting for a card');
      } catch (error) {
        throw this.fail(error, 'waiting for a card');
      }
    }
  }

  /** Classifies a failure and forgets what it invalidated, so that connect() starts clean. */
  private fail(error: unknown, doing: string, removedMeans: 'card-removed' | 'no-card' = 'card-removed'): TransportError {
    let failure = pcscFailure(error, doing);
    if (failure.reason === 'card-removed' && removedMeans === 'no-card') {
      failure = new TransportError('no-card', failure.message, { cause: error });
    }
    if (failure.reason === 'no-service' || failure.reason === 'timeout') {
      // Handles from a dead (or wedged) pcscd are useless; a new context is made on connect().
      // Not closed now (that would wait for the stuck call), not left to the garbage collector
      // (its finalizer would do the same): parked until the stuck call settles.
      if (this.inFlight) parkUntilSettled(this.card, this.context, this.inFlight, this.binding?.SCARD_LEAVE_CARD);
      this.card = undefined;
      this.context = undefined;
    } else if (failure.reason === 'card-removed' || failure.reason === 'no-reader') {
      this.dropCard();
    }
    if (!this.card) this.lost = failure;
    return failure;
  }

  /**
   * A command can fail with a generic error ("Transaction failed", "Communication error") when
   * the card is pulled mid-command; pcscd only notices the removal a moment later. Look at the
   * reader's state before blaming anything else.
   */
  private async failDuringCommand(error: unknown, doing: string): Promise<TransportError> {
    const failure = pcscFailure(error, doing);
    if (failure.reason !== 'other') return this.fail(failure, doing);
    const gone = await this.cardGone(Math.min(2000, this.timeoutMs));
    if (gone) {
      const raw = error instanceof Error ? error.message : String(error);
      const what = {
        'card-removed': 'the card was removed',
        'no-reader': 'the reader went away',
        'no-service': 'the PC/SC service stopped',
      }[gone];
      return this.fail(new TransportError(gone, `${doing}: ${what} during the command [${raw}]`, { cause: error }), doing);
    }
    return failure;
  }

  private async cardGone(waitMs: number): Promise<'card-removed' | 'no-reader' | 'no-service' | undefined> {
    const binding = this.binding;
    const context = this.context;
    const name = this.readerName;
    if (!binding || !context || !name) return undefined;
    const deadline = Date.now() + waitMs;
    for (;;) {
      let reader: PcscReader | undefined;
      try {
        reader = context.listReaders().find((r) => r.name === name);
      } catch {
        return 'no-service';
      }
      if (!reader) return 'no-reader';
      if ((reader.state & binding.SCARD_STATE_PRESENT) === 0) return 'card-removed';
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await withTimeout(
        context.waitForChange([{ name, state: reader.state }], Math.min(left, 250)),
        left + 1000,
        'checking the reader',
      ).catch(() => {});
    }
  }

  private requireCard(): PcscCard {
    this.assertOpen();
    if (this.card) return this.card;
    if (this.lost) throw new TransportError(this.lost.reason, `${this.lost.message}; call connect() again`);
    throw new TransportError('no-card', 'not connected to a card: call connect() first');
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('closed', `the transport to "${this.name}" is closed`);
  }

  private readAtr(): Uint8Array {
    const card = this.card!;
    try {
      const atr = card.getStatus().atr;
      return new Uint8Array(atr);
    } catch (error) {
      const fallback = card.atr;
      if (fallback) return new Uint8Array(fallback);
      throw this.fail(error, `reading the ATR in "${this.name}"`);
    }
  }

  private protocolMask(binding: PcscBinding): number {
    switch (this.options.protocol ?? 'any') {
      case 'T0':
        return binding.SCARD_PROTOCOL_T0;
      case 'T1':
        return binding.SCARD_PROTOCOL_T1;
      default:
        return binding.SCARD_PROTOCOL_T0 | binding.SCARD_PROTOCOL_T1;
    }
  }

  private dropCard(): void {
    const card = this.card;
    this.card = undefined;
    if (!card) return;
    try {
      card.disconnect(this.binding?.SCARD_LEAVE_CARD);
    } catch {
      // Already gone with the card or the service: nothing left to release.
    }
  }

  private dropContext(): void {
    const context = this.context;
    this.context = undefined;
    try {
      context?.close();
    } catch {
      // The service went away with it.
    }
  }
}

function pickReader(readers: PcscReader[], wanted: string): PcscReader | undefined {
  return readers.find((r) => r.name === wanted) ?? readers.find((r) => r.name.toLowerCase().includes(wanted.toLowerCase()));
}
