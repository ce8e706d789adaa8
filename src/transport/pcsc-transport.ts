import { endianness } from 'node:os';
import { isContactlessAtr } from '../apdu/atr.js';
import type { CardTransport, PinPadFormat, ResetKind } from './card-transport.js';
import { CM_IOCTL_GET_FEATURE_REQUEST, parseFeatures, pinVerifyStructure, type ReaderFeatures } from './pcsc/part10.js';
import { pcscPlatform, SCARD, SCARD_E } from './pcsc/pcsc-platform.js';
import { PcscdCardCalls } from './pcsc/pcscd-card-calls.js';
import { ScardError } from './pcsc/scard-error.js';
import { type ReaderState, type ScardHandle, ScardLibrary } from './pcsc/scard-library.js';
import { type ScardCalls, ScardThread, scardCallStuck } from './pcsc/scard-thread.js';
import { TransportError } from './transport-error.js';

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
  /**
   * Hold a PC/SC transaction from connect() to close(): other programs' commands wait until then,
   * so none can slip between ours (a 61xx and its GET RESPONSE, a SELECT and its READ).
   */
  holdTransaction?: boolean;
  /**
   * Linux (pcscd's socket): how long, in microseconds, a transmit reads for its answer before it
   * sleeps until the answer arrives. Default 200: a virtual reader's answer is read at once
   * instead of paying a thread wake-up; a slower reader makes it stop trying (see
   * DEFAULT_BUSY_POLL_MICROS in pcsc/pcscd-socket.ts). 0: never.
   */
  busyPollMicros?: number;
  /** Where the PC/SC calls go (tests); default: the platform's (platformCalls()), and the library on this thread for transmitSync. */
  scard?: { thread(): ScardCalls; library(): Pick<ScardLibrary, 'transmit'> };
}

/** What a transaction body may do with the card while it holds it. */
export interface PcscTransactionCard {
  transmit(command: Uint8Array): Promise<Uint8Array>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const EXTENDED_RESPONSE_LENGTH = 65_536 + 2;

let mainThreadLibrary: ScardLibrary | undefined;

/**
 * A card in a PC/SC reader (pcscd on Linux, WinSCard on Windows, the PCSC framework on macOS),
 * through our own FFI binding (src/transport/pcsc/). Every call that can wait on the service or
 * the card runs on a thread of its own (ScardThread) with a deadline, so the event loop never
 * blocks; on Linux the calls on a connected card go to pcscd's socket on the event loop instead
 * (PcscdCardCalls). `transmitSync` sends a command on the calling thread, for scripts. Every failure
 * is a TransportError whose reason says whether to reconnect (card-removed), wait (no-service),
 * or give up; after one, connect() may be called again, with a fresh PC/SC context. A restarted
 * PC/SC service is the exception: the transport connects to the same reader again by itself, at
 * once for a new sequence (an exclusive section, a transaction, a reset), and with
 * TransportError('card-reset') for a command, which it does not send (see commandCard()).
 */
export class PcscTransport implements CardTransport {
  private readonly options: PcscTransportOptions;
  private readonly timeoutMs: number;
  private readonly maxResponseLength: number;
  private thread: ScardCalls | undefined;
  private context: ScardHandle | undefined;
  private card: { handle: ScardHandle; protocol: number } | undefined;
  private readerName: string | undefined;
  private currentAtr: Uint8Array | undefined;
  /** Nested beginExclusive() calls; the PC/SC transaction is held while > 0. */
  private exclusiveDepth = 0;
  private holdingTransaction = false;
  /** Why the card went away, reported by every call until connect() succeeds again. */
  private lost: TransportError | undefined;
  /**
   * The reader whose card handle a stopped PC/SC service took with it: the next call connects to
   * it again (revive()). Unset by any other loss, which needs connect().
   */
  private reviveReader: string | undefined;
  private closed = false;
  /** Serializes commands: one APDU at a time, and a transaction's commands without others between. */
  private queue: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private syncResponse: Uint8Array | undefined;

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
    if (!this.card) return undefined;
    if (this.card.protocol === SCARD.PROTOCOL_T0) return 'T0';
    if (this.card.protocol === SCARD.PROTOCOL_T1) return 'T1';
    return 'raw';
  }

  /** Contactless cards show the ATR the reader synthesizes from their ATS (PC/SC part 3). */
  get cardKind(): 'contact' | 'contactless' | undefined {
    if (!this.currentAtr) return undefined;
    return isContactlessAtr(this.currentAtr) ? 'contactless' : 'contact';
  }

  connect(): Promise<Uint8Array> {
    return this.serialized(async () => {
      this.assertOpen();
      this.reviveReader = undefined;
      await this.dropCard();
      const context = await this.ensureContext();
      const reader = await this.findReader(context, this.options.reader, this.options.waitForCardMs ?? 0);
      return this.openCard(context, reader);
    });
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.serialized(() => this.transmitNow(command));
  }

  /**
   * SCardTransmit on the calling thread: pyscard's speed, for scripts that send many commands.
   * It blocks this thread until the card answers; the asynchronous transmit() has the deadline.
   * Refuses (TransportError 'timeout') when an earlier PC/SC call of this process is stuck,
   * since this one would then block too.
   */
  transmitSync(command: Uint8Array): Uint8Array {
    const card = this.requireCard();
    if (this.busy > 0) throw new TransportError('other', `transmitSync on "${this.name}" while an asynchronous call is in progress`);
    const what = `sending a command to "${this.name}"`;
    try {
      // Through pcscd's socket where the card is connected that way (with the deadline)…
      const bySocket = this.io().transmitSync?.(card.handle, card.protocol, command, this.maxResponseLength, this.timeoutMs, what);
      if (bySocket) return this.checkResponse(bySocket);
      // …else SCardTransmit of the platform library, which has none: it would block on a stuck service.
      if (scardCallStuck()) {
        throw new TransportError('timeout', `${what}: an earlier PC/SC call of this process is still unanswered`);
      }
      const library = this.syncLibrary();
      this.syncResponse ??= new Uint8Array(this.maxResponseLength);
      const response = library.transmit(card.handle, card.protocol, command, this.maxResponseLength, this.syncResponse);
      return this.checkResponse(response.slice());
    } catch (error) {
      throw this.fail(error instanceof ScardError ? error : asFailure(error, what));
    }
  }

  /**
   * Keeps other programs off the card until endExclusive(): SCardBeginTransaction. Their
   * commands wait meanwhile (pcsc-lite polls every 100 ms). Calls nest.
   */
  beginExclusive(): Promise<void> {
    return this.serialized(async () => {
      // Counted once the section has the card: a failed start leaves nothing to end.
      if (this.exclusiveDepth === 0) await this.startSequence(() => this.beginTransaction());
      this.exclusiveDepth++;
    });
  }

  /** Ends what beginExclusive() began (the outermost call releases the card). */
  endExclusive(): Promise<void> {
    return this.serialized(async () => {
      if (this.exclusiveDepth === 0) return;
      this.exclusiveDepth--;
      if (this.exclusiveDepth === 0 && !this.options.holdTransaction) await this.endTransaction();
    });
  }

  /**
   * Runs `body` with the card to itself: no other command of this transport, and (a PC/SC
   * transaction) none of another program, runs in between. With `exclusive`, other programs
   * cannot even connect meanwhile (the connection is switched to exclusive for the duration).
   */
  transaction<T>(body: (card: PcscTransactionCard) => Promise<T>, options: { exclusive?: boolean } = {}): Promise<T> {
    return this.serialized(async () => {
      const switchShare = options.exclusive === true && this.options.share !== 'exclusive';
      let begin = false;
      await this.startSequence(async () => {
        if (switchShare) await this.reconnect('exclusive', 'leave');
        begin = !this.holdingTransaction;
        if (begin) await this.beginTransaction();
      });
      try {
        return await body({ transmit: (command) => this.transmitNow(command) });
      } finally {
        if (begin && this.card) await this.endTransaction().catch(() => {});
        // Not SCardReconnect back to shared: pcsc-lite then keeps the reader locked and other
        // programs' connects wait forever. A fresh shared connection releases it.
        if (switchShare && this.card) await this.reopenShared();
      }
    });
  }

  /** Warm reset keeps the card powered; cold reset powers it off and on. Returns the new ATR. */
  reset(kind: ResetKind = 'warm'): Promise<Uint8Array> {
    return this.serialized(async () => {
      // A transaction held on this handle stays held across the reset.
      await this.startSequence(() => this.reconnect(this.options.share ?? 'shared', kind === 'cold' ? 'unpower' : 'reset'));
      this.currentAtr = await this.readAtr();
      return this.currentAtr;
    });
  }

  /** SCardControl: a command for the reader itself (`code` as SCARD_CTL_CODE gives it). */
  control(code: number, input: Uint8Array = new Uint8Array(0), maxOutput = 4096): Promise<Uint8Array> {
    return this.serialized(async () => {
      const card = await this.commandCard(`sending a control command to "${this.name}"`);
      try {
        return await this.io().call(
          'control',
          [card.handle, code, input, maxOutput],
          this.timeoutMs,
          `sending a control command to "${this.name}"`,
        );
      } catch (error) {
        throw this.fail(error);
      }
    });
  }

  /** SCardGetAttrib, e.g. SCARD_ATTR.VENDOR_NAME; 'other' (SCARD_E_UNSUPPORTED_FEATURE) when the reader has none. */
  getAttribute(attribute: number): Promise<Uint8Array> {
    return this.serialized(async () => {
      const card = await this.commandCard(`reading an attribute of "${this.name}"`);
      try {
        return await this.io().call('getAttribute', [card.handle, attribute], this.timeoutMs, `reading an attribute of "${this.name}"`);
      } catch (error) {
        throw this.fail(error);
      }
    });
  }

  /**
   * The reader's PC/SC part 10 features (PIN pad: VERIFY_PIN_DIRECT, MODIFY_PIN_DIRECT) and their
   * control codes, from CM_IOCTL_GET_FEATURE_REQUEST; none when the reader has no such request.
   */
  async features(): Promise<ReaderFeatures> {
    const code = pcscPlatform().controlCode(CM_IOCTL_GET_FEATURE_REQUEST);
    try {
      return parseFeatures(await this.control(code, new Uint8Array(0), 256));
    } catch (error) {
      if (
        error instanceof ScardError &&
        (error.scardCode === SCARD_E.UNSUPPORTED_FEATURE || error.scardCode === SCARD_E.INVALID_PARAMETER)
      ) {
        return parseFeatures(new Uint8Array(0));
      }
      throw error;
    }
  }

  /**
   * VERIFY with the PIN typed on the reader's own keypad (part 10 FEATURE_VERIFY_PIN_DIRECT): the
   * PIN never passes through this program. `command` is the VERIFY APDU with a PIN block of the
   * right size as its data; returns the card's R-APDU (SW 9000, 63Cx, …). TransportError 'other'
   * when the reader has no PIN pad. The deadline is the pad's own timeout plus `timeoutMs`.
   */
  async verifyPinOnPad(command: Uint8Array, format: PinPadFormat, padTimeoutSeconds = 30): Promise<Uint8Array> {
    const { codes } = await this.features();
    const code = codes.VERIFY_PIN_DIRECT;
    if (code === undefined) throw new TransportError('other', `"${this.name}" has no PIN pad (no VERIFY_PIN_DIRECT feature)`);
    const structure = pinVerifyStructure(command, format, padTimeoutSeconds);
    return this.serialized(async () => {
      const what = `verifying the PIN on the pad of "${this.name}"`;
      const card = await this.commandCard(what);
      try {
        const response = await this.io().call(
          'control',
          [card.handle, code, structure, 258],
          padTimeoutSeconds * 1000 + this.timeoutMs,
          what,
        );
        return this.checkResponse(response);
      } catch (error) {
        throw this.fail(error);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.catch(() => {});
    this.closed = true;
    await this.dropCard();
    await this.dropContext();
    this.thread?.close();
    this.thread = undefined;
  }

  private async transmitNow(command: Uint8Array): Promise<Uint8Array> {
    const what = `sending a command to "${this.name}"`;
    const card = this.card ?? (await this.commandCard(what));
    try {
      const response = await this.io().transmit(card.handle, card.protocol, command, this.maxResponseLength, this.timeoutMs, what);
      return this.checkResponse(response);
    } catch (error) {
      const failure = await this.failDuringCommand(error, what);
      // The service is back already (restarted between our commands): connect again now, so
      // that the caller hears the card was reset rather than that the service is down.
      if (failure.reason === 'no-service' && this.reviveReader) {
        try {
          await this.revive();
        } catch {
          throw failure;
        }
        throw cardReset(what, 'the command may or may not have reached the card before that');
      }
      throw failure;
    }
  }

  /**
   * The card for a command that is not the start of a sequence. When the PC/SC service restarted
   * since the last one, the transport connects again, but the command is not sent: the card was
   * reset, so whatever the sequence had selected or verified is gone, and the command could act
   * on another file or fail for a reason the caller would not guess. TransportError('card-reset').
   */
  private async commandCard(what: string): Promise<{ handle: ScardHandle; protocol: number }> {
    if (this.card || !this.reviveReader || this.closed) return this.requireCard();
    await this.revive();
    throw cardReset(what, 'the command was not sent');
  }

  /**
   * Runs `first`, the first PC/SC call of a new sequence (an exclusive section, a transaction, a
   * reset), on a live card handle: when the PC/SC service restarted under ours, it connects
   * again first (or after `first` found the handle dead) and runs `first` on the new one. The
   * card was reset by the restart; a sequence starts by selecting what it needs, and what an
   * earlier sequence left behind (a verified PIN) is the card's to refuse, with its own status.
   */
  private async startSequence<T>(first: () => Promise<T>): Promise<T> {
    if (!this.card && this.reviveReader && !this.closed) await this.revive();
    try {
      return await first();
    } catch (error) {
      if (!(error instanceof TransportError) || error.reason !== 'no-service' || !this.reviveReader) throw error;
      await this.revive();
      return first();
    }
  }

  /**
   * Connects again to the reader whose card handle a stopped PC/SC service took with it: a new
   * context, that reader by its exact name (never another one), its card waited for up to
   * `timeoutMs` (a virtual or USB reader comes back a moment after the service). Fails as
   * connect() would; only a service still down leaves the next call to try again.
   */
  private async revive(): Promise<void> {
    const reader = this.reviveReader!;
    const context = await this.ensureContext();
    let found: string;
    try {
      found = await this.findReader(context, reader, this.timeoutMs, true);
    } catch (error) {
      throw this.fail(error);
    }
    await this.openCard(context, found);
  }

  /** Connects to the card in `reader` (found on `context`); returns its ATR. */
  private async openCard(context: ScardHandle, reader: string): Promise<Uint8Array> {
    const share = this.options.share === 'exclusive' ? SCARD.SHARE_EXCLUSIVE : SCARD.SHARE_SHARED;
    try {
      const card = await this.io().call(
        'connect',
        [context, reader, share, this.protocolMask()],
        this.timeoutMs,
        `connecting to "${reader}"`,
      );
      this.card = { handle: card.card, protocol: card.protocol };
    } catch (error) {
      throw this.fail(error, 'no-card');
    }
    this.readerName = reader;
    this.lost = undefined;
    this.reviveReader = undefined;
    this.currentAtr = await this.readAtr();
    if (this.options.holdTransaction) await this.beginTransaction();
    return this.currentAtr;
  }

  private checkResponse(response: Uint8Array): Uint8Array {
    // vpcd answers "success, 0 bytes" when the card vanishes mid-command: no status word is no answer.
    if (response.length < 2) throw new TransportError('other', `the reader returned ${response.length} byte(s) and no status word`);
    return response;
  }

  private async beginTransaction(): Promise<void> {
    // Held already (holdTransaction, or taken again by revive() for it).
    if (this.holdingTransaction) return;
    const card = this.requireCard();
    try {
      await this.io().call(
        'beginTransaction',
        [card.handle],
        this.timeoutMs,
        `taking "${this.name}" for a transaction (another program holds it)`,
      );
      this.holdingTransaction = true;
    } catch (error) {
      throw this.fail(error);
    }
  }

  private async endTransaction(): Promise<void> {
    if (!this.holdingTransaction) return;
    this.holdingTransaction = false;
    const card = this.card;
    if (!card) return;
    try {
      await this.io().call('endTransaction', [card.handle, SCARD.LEAVE_CARD], this.timeoutMs, `ending the transaction on "${this.name}"`);
    } catch (error) {
      throw this.fail(error);
    }
  }

  private async reconnect(share: PcscShareMode, disposition: 'leave' | 'reset' | 'unpower'): Promise<void> {
    const card = this.requireCard();
    const shareMode = share === 'exclusive' ? SCARD.SHARE_EXCLUSIVE : SCARD.SHARE_SHARED;
    const init = { leave: SCARD.LEAVE_CARD, reset: SCARD.RESET_CARD, unpower: SCARD.UNPOWER_CARD }[disposition];
    const what = disposition === 'leave' ? `switching "${this.name}" to ${share} access` : `resetting the card in "${this.name}"`;
    try {
      card.protocol = await this.io().call('reconnect', [card.handle, shareMode, this.protocolMask(), init], this.timeoutMs, what);
    } catch (error) {
      throw await this.failDuringCommand(error, what);
    }
  }

  private async reopenShared(): Promise<void> {
    const name = this.readerName;
    await this.dropCard();
    if (this.context === undefined || !name) return;
    try {
      const card = await this.io().call(
        'connect',
        [this.context, name, SCARD.SHARE_SHARED, this.protocolMask()],
        this.timeoutMs,
        `returning "${name}" to shared access`,
      );
      this.card = { handle: card.card, protocol: card.protocol };
    } catch (error) {
      throw this.fail(error);
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    // Nothing in progress (the usual case, one command after another): start at once.
    const run = this.busy === 0 ? work() : this.queue.then(work, work);
    this.busy++;
    this.queue = run.then(this.done, this.done);
    return run;
  }

  private readonly done = (): void => {
    this.busy--;
  };

  /** The thread for the next call: a new one when the last was abandoned on a stuck call. */
  private io(): ScardCalls {
    if (!this.thread || this.thread.abandoned) {
      // An abandoned thread ends by itself; what else the old calls held (a pcscd connection) closes now.
      this.thread?.close();
      this.thread = this.options.scard?.thread() ?? platformCalls(this.options);
    }
    return this.thread;
  }

  private syncLibrary(): Pick<ScardLibrary, 'transmit'> {
    if (this.options.scard) return this.options.scard.library();
    mainThreadLibrary ??= new ScardLibrary();
    return mainThreadLibrary;
  }

  private async ensureContext(): Promise<ScardHandle> {
    const thread = this.io();
    if (this.context !== undefined) {
      const valid = await thread.call('isValidContext', [this.context], this.timeoutMs, 'checking the PC/SC context').catch(() => false);
      if (valid) return this.context;
      this.context = undefined;
    }
    try {
      this.context = await this.io().call('establishContext', [SCARD.SCOPE_SYSTEM], this.timeoutMs, 'opening the PC/SC service');
    } catch (error) {
      throw this.fail(error);
    }
    return this.context;
  }

  /** Every reader with its state now (pcsc-lite answers an UNAWARE entry at once). */
  private async readerStates(context: ScardHandle): Promise<ReaderState[]> {
    const names = await this.io().call('listReaders', [context], this.timeoutMs, 'listing PC/SC readers');
    if (names.length === 0) return [];
    const states = await this.io().call(
      'getStatusChange',
      [context, 0, names.map((reader) => ({ reader, currentState: SCARD.STATE_UNAWARE }))],
      this.timeoutMs,
      'reading the readers’ state',
    );
    return Array.isArray(states) ? states : [];
  }

  /**
   * The reader to connect to: `wanted` (its exact name, or with `exact` unset a part of one;
   * default the first reader holding a card), waiting up to `waitMs` for it and its card.
   */
  private async findReader(context: ScardHandle, wanted: string | undefined, waitMs: number, exact = false): Promise<string> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      let readers: ReaderState[];
      try {
        readers = await this.readerStates(context);
      } catch (error) {
        throw this.fail(error);
      }
      const present = (r: ReaderState): boolean => ((r.eventState ?? 0) & SCARD.STATE_PRESENT) !== 0;
      const match = wanted === undefined ? undefined : pickReader(readers, wanted, exact);
      if (wanted !== undefined && !match && Date.now() >= deadline) {
        const names = readers.map((r) => `"${r.reader}"`).join(', ') || 'none';
        throw new TransportError('no-reader', `no PC/SC reader matches "${wanted}" (readers: ${names})`);
      }
      // A named reader that is not there yet is waited for, never replaced by another one.
      const candidate = wanted === undefined ? readers.find(present) : match;
      if (candidate && present(candidate)) return candidate.reader;
      if (Date.now() >= deadline) {
        if (readers.length === 0) throw new TransportError('no-reader', 'no PC/SC reader is attached');
        throw new TransportError('no-card', `no card in ${candidate ? `"${candidate.reader}"` : 'any PC/SC reader'}`);
      }
      // Sleep until something changes (a card, a reader), then look again; bounded, so a missed
      // wake-up costs little.
      const watch = (candidate ? [candidate] : readers).map((r) => ({ reader: r.reader, currentState: r.eventState ?? 0 }));
      watch.push({ reader: SCARD.PNP_NOTIFICATION, currentState: 0 });
      const wait = Math.max(1, Math.min(500, deadline - Date.now()));
      try {
        await this.io().call('getStatusChange', [context, wait, watch], wait + this.timeoutMs, 'waiting for a card');
      } catch (error) {
        throw this.fail(error);
      }
    }
  }

  /** Classifies a failure and forgets what it invalidated, so that connect() starts clean. */
  private fail(error: unknown, removedMeans: 'card-removed' | 'no-card' = 'card-removed'): TransportError {
    let failure = asFailure(error, `talking to "${this.name}"`);
    if (failure.reason === 'card-removed' && removedMeans === 'no-card') {
      failure = new TransportError('no-card', failure.message, { cause: error });
    }
    // Only a service that went away with our card handle leaves something to connect to again
    // (a service still down while we try keeps it); any other loss needs connect().
    if (failure.reason === 'no-service') {
      if (this.card && this.readerName && !this.closed) this.reviveReader = this.readerName;
    } else {
      this.reviveReader = undefined;
    }
    if (failure.reason === 'no-service' || failure.reason === 'timeout') {
      // Handles of a dead or wedged pcscd are useless; a new context is made on connect(). A
      // thread abandoned on a stuck call releases them itself if the call ever returns.
      this.card = undefined;
      this.context = undefined;
      this.holdingTransaction = false;
      this.exclusiveDepth = 0;
    } else if (failure.reason === 'card-removed' || failure.reason === 'no-reader') {
      this.forgetCard();
    }
    if (!this.card) this.lost = failure;
    return failure;
  }

  /**
   * A command can fail with a generic error (a communication error) when the card is pulled
   * mid-command; pcscd only notices the removal a moment later. Look at the reader's state
   * before blaming anything else.
   */
  private async failDuringCommand(error: unknown, doing: string): Promise<TransportError> {
    const failure = asFailure(error, doing);
    if (failure.reason !== 'other') return this.fail(failure);
    const gone = await this.cardGone(Math.min(2000, this.timeoutMs));
    if (gone) {
      const what = {
        'card-removed': 'the card was removed',
        'no-reader': 'the reader went away',
        'no-service': 'the PC/SC service stopped',
      }[gone];
      return this.fail(new TransportError(gone, `${doing}: ${what} during the command [${failure.message}]`, { cause: error }));
    }
    return failure;
  }

  private async cardGone(waitMs: number): Promise<'card-removed' | 'no-reader' | 'no-service' | undefined> {
    const context = this.context;
    const name = this.readerName;
    if (context === undefined || !name) return undefined;
    const deadline = Date.now() + waitMs;
    let known: number = SCARD.STATE_UNAWARE;
    for (;;) {
      const left = Math.max(0, deadline - Date.now());
      let states: ReaderState[] | 'timeout' | 'cancelled';
      try {
        states = await this.io().call(
          'getStatusChange',
          [context, Math.min(left, 250), [{ reader: name, currentState: known }]],
          left + 1000,
          'checking the reader',
        );
      } catch (error) {
        const reason = asFailure(error, '').reason;
        if (reason === 'no-reader') return 'no-reader';
        if (reason === 'no-service' || reason === 'timeout') return 'no-service';
        return undefined;
      }
      if (Array.isArray(states)) {
        const state = states[0]?.eventState ?? 0;
        if (state & SCARD.STATE_UNKNOWN) return 'no-reader';
        if ((state & SCARD.STATE_PRESENT) === 0) return 'card-removed';
        known = state & ~SCARD.STATE_CHANGED;
      }
      if (Date.now() >= deadline) return undefined;
    }
  }

  private requireCard(): { handle: ScardHandle; protocol: number } {
    this.assertOpen();
    if (this.card) return this.card;
    if (this.lost) throw new TransportError(this.lost.reason, `${this.lost.message}; call connect() again`);
    throw new TransportError('no-card', 'not connected to a card: call connect() first');
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('closed', `the transport to "${this.name}" is closed`);
  }

  private async readAtr(): Promise<Uint8Array> {
    const card = this.requireCard();
    try {
      const status = await this.io().call('status', [card.handle], this.timeoutMs, `reading the ATR in "${this.name}"`);
      return status.atr;
    } catch (error) {
      throw this.fail(error);
    }
  }

  private protocolMask(): number {
    switch (this.options.protocol ?? 'any') {
      case 'T0':
        return SCARD.PROTOCOL_T0;
      case 'T1':
        return SCARD.PROTOCOL_T1;
      default:
        return SCARD.PROTOCOL_T0 | SCARD.PROTOCOL_T1;
    }
  }

  private forgetCard(): void {
    this.card = undefined;
    this.holdingTransaction = false;
    this.exclusiveDepth = 0;
  }

  /** Leaves the card as it is (another program may use it next) and forgets the handle. */
  private async dropCard(): Promise<void> {
    const card = this.card;
    const ending = this.holdingTransaction;
    this.forgetCard();
    if (!card || !this.thread || this.thread.abandoned) return;
    const thread = this.thread;
    if (ending)
      await thread.call('endTransaction', [card.handle, SCARD.LEAVE_CARD], this.timeoutMs, 'ending the transaction').catch(() => {});
    // Gone already with the card or the service when this fails: nothing left to release.
    await thread.call('disconnect', [card.handle, SCARD.LEAVE_CARD], this.timeoutMs, 'disconnecting').catch(() => {});
  }

  private async dropContext(): Promise<void> {
    const context = this.context;
    this.context = undefined;
    if (context === undefined || !this.thread || this.thread.abandoned) return;
    await this.thread.call('releaseContext', [context], this.timeoutMs, 'releasing the PC/SC context').catch(() => {});
  }
}

/** pcsc-lite (Linux, the BSDs): card calls through pcscd's socket; elsewhere the library on a thread. */
function platformCalls(options: PcscTransportOptions): ScardCalls {
  const thread = new ScardThread();
  // pcscd's messages are in the machine's byte order; PcscdSocket writes them little-endian.
  const socketPath = pcscPlatform().flavor === 'pcsc-lite' && endianness() === 'LE';
  return socketPath ? new PcscdCardCalls(thread, { busyPollMicros: options.busyPollMicros }) : thread;
}

function pickReader(readers: ReaderState[], wanted: string, exact: boolean): ReaderState | undefined {
  const same = readers.find((r) => r.reader === wanted);
  if (same || exact) return same;
  return readers.find((r) => r.reader.toLowerCase().includes(wanted.toLowerCase()));
}

function cardReset(doing: string, command: string): TransportError {
  return new TransportError(
    'card-reset',
    `${doing}: the PC/SC service restarted and the card was reset (${command}); it is connected again, ` +
      'but what it had selected or verified is gone: start the command sequence again',
  );
}

function asFailure(error: unknown, doing: string): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError('other', doing ? `${doing}: ${message}` : message, { cause: error });
}
