import { readerStateFlags, SCARD } from './pcsc/pcsc-platform.js';
import type { ReaderState, ScardHandle } from './pcsc/scard-library.js';
import { type ScardCalls, ScardThread } from './pcsc/scard-thread.js';
import { TransportError } from './transport-error.js';
import { withTimeout } from './with-timeout.js';

/** What a reader looks like at one moment. */
export interface ReaderSnapshot {
  name: string;
  cardPresent: boolean;
  atr?: Uint8Array;
  /** PC/SC state flags that are set: present, empty, mute, inuse, exclusive, unavailable. */
  flags: string[];
}

export type ReaderEvent =
  | { type: 'reader-attached'; reader: string; initial: boolean }
  | { type: 'reader-detached'; reader: string; initial: boolean }
  | { type: 'card-inserted'; reader: string; atr: Uint8Array; initial: boolean }
  | { type: 'card-removed'; reader: string; initial: boolean }
  /** pcscd stopped (or never ran); the monitor keeps retrying and says service-up when it is back. */
  | { type: 'service-down'; error: TransportError; initial: boolean }
  | { type: 'service-up'; initial: boolean };

export type ReaderEventListener = (event: ReaderEvent) => void;

export interface ReaderMonitorOptions {
  /** Where the PC/SC calls go (tests); default: a ScardThread of the monitor's own. */
  thread?: () => ScardCalls;
  /** Bound for each call to the service (a stopped pcscd). Default 5 s. */
  timeoutMs?: number;
  /** Longest single wait for a change before looking again (covers a missed wake-up). Default 1 s. */
  pollMs?: number;
  /** How often to try reaching pcscd while it is down. Default 500 ms. */
  retryMs?: number;
}

/**
 * Watches PC/SC readers and cards: attach/detach, insert/remove, and the service itself going
 * down and coming back (it rebuilds its PC/SC context, so a pcscd restart is survived).
 * A new listener first receives the current state as events marked `initial`.
 */
export class PcscReaderMonitor {
  private readonly options: ReaderMonitorOptions;
  private readonly listeners = new Set<ReaderEventListener>();
  private thread: ScardCalls | undefined;
  private context: ScardHandle | undefined;
  private current = new Map<string, SeenReader>();
  private serviceError: TransportError | undefined;
  private serviceKnown = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private firstLook: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(options: ReaderMonitorOptions = {}) {
    this.options = options;
  }

  /** The readers as last seen. */
  get readers(): ReaderSnapshot[] {
    return [...this.current.values()].map(({ state: _state, ...snapshot }) => snapshot);
  }

  /** Whether pcscd answered at the last look (undefined before the first look). */
  get serviceUp(): boolean | undefined {
    return this.serviceKnown ? this.serviceError === undefined : undefined;
  }

  /** Adds a listener, replays the current state to it, and returns a function that removes it. */
  subscribe(listener: ReaderEventListener): () => void {
    this.listeners.add(listener);
    if (this.serviceKnown) {
      if (this.serviceError) listener({ type: 'service-down', error: this.serviceError, initial: true });
      for (const r of this.current.values()) {
        listener({ type: 'reader-attached', reader: r.name, initial: true });
        if (r.cardPresent) listener({ type: 'card-inserted', reader: r.name, atr: r.atr ?? new Uint8Array(0), initial: true });
      }
    }
    return () => this.listeners.delete(listener);
  }

  /** Starts watching; resolves once the first look is done (the initial state is known). */
  async start(): Promise<void> {
    if (this.running) return this.firstLook;
    this.running = true;
    let firstDone!: () => void;
    this.firstLook = new Promise((resolve) => {
      firstDone = resolve;
    });
    this.loop = this.run(firstDone);
    return this.firstLook;
  }

  /** Stops watching and releases the PC/SC context. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.cancelWait();
    await withTimeout(this.loop ?? Promise.resolve(), 5000, 'stopping the reader monitor').catch(() => {});
    const context = this.context;
    this.context = undefined;
    const thread = this.thread;
    this.thread = undefined;
    if (thread && !thread.abandoned) {
      if (context !== undefined) await thread.call('releaseContext', [context], this.timeoutMs(), 'releasing').catch(() => {});
      thread.close();
    }
  }

  private async run(firstDone: () => void): Promise<void> {
    const pollMs = this.options.pollMs ?? 1000;
    const retryMs = this.options.retryMs ?? 500;
    let pnpState = 0;
    while (this.running) {
      const next = await this.look();
      if (!next) {
        firstDone();
        pnpState = 0;
        await this.sleep(retryMs);
        continue;
      }
      this.apply(next);
      firstDone();
      if (!this.running) break;
      const started = Date.now();
      try {
        const watch = [...next.values()].map((r) => ({ reader: r.name, currentState: r.state }));
        watch.push({ reader: SCARD.PNP_NOTIFICATION, currentState: pnpState });
        const states = await this.io().call(
          'getStatusChange',
          [this.context!, pollMs, watch],
          pollMs + this.timeoutMs(),
          'waiting for reader changes',
        );
        const pnp = Array.isArray(states) ? states.find((s) => s.reader === SCARD.PNP_NOTIFICATION) : undefined;
        // Compare against the state itself next time, not its "changed" bit.
        if (pnp) pnpState = (pnp.eventState ?? 0) & ~SCARD.STATE_CHANGED;
      } catch (error) {
        this.serviceDown(asTransportError(error));
        continue;
      }
      // Never spin: if the wait returned at once (a state the service reports differently), pause a little.
      if (Date.now() - started < 20) await this.sleep(100);
    }
  }

  private async look(): Promise<Map<string, SeenReader> | undefined> {
    try {
      const thread = this.io();
      if (this.context === undefined || !(await thread.call('isValidContext', [this.context], this.timeoutMs(), 'checking the context'))) {
        this.context = undefined;
        this.context = await thread.call('establishContext', [SCARD.SCOPE_SYSTEM], this.timeoutMs(), 'reaching the PC/SC service');
      }
      const names = await thread.call('listReaders', [this.context], this.timeoutMs(), 'listing PC/SC readers');
      const states: ReaderState[] = [];
      if (names.length > 0) {
        const now = await thread.call(
          'getStatusChange',
          [this.context, 0, names.map((reader) => ({ reader, currentState: SCARD.STATE_UNAWARE }))],
          this.timeoutMs(),
          'reading the readers’ state',
        );
        if (Array.isArray(now)) states.push(...now);
      }
      const out = new Map<string, SeenReader>();
      for (const r of states) {
        const state = r.eventState ?? 0;
        const present = (state & SCARD.STATE_PRESENT) !== 0;
        out.set(r.reader, {
          name: r.reader,
          state: state & ~SCARD.STATE_CHANGED,
          cardPresent: present,
          ...(present && r.atr && r.atr.length > 0 ? { atr: r.atr } : {}),
          flags: readerStateFlags(state),
        });
      }
      return out;
    } catch (error) {
      this.serviceDown(asTransportError(error));
      return undefined;
    }
  }

  /** The monitor's thread; a new one when the last was abandoned on a stuck call. */
  private io(): ScardCalls {
    if (!this.thread || this.thread.abandoned) {
      this.thread = this.options.thread?.() ?? new ScardThread();
      this.context = undefined;
    }
    return this.thread;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 5000;
  }

  /** SCardCancel ends the monitor's wait; it must come from another thread than the waiting one. */
  private async cancelWait(): Promise<void> {
    const context = this.context;
    if (context === undefined || !this.thread || this.thread.abandoned) return;
    const helper = this.options.thread?.() ?? new ScardThread();
    try {
      await helper.call('cancel', [context], 1000, 'cancelling the reader wait');
    } catch {
      // The wait ends at its own poll interval anyway.
    } finally {
      helper.close();
    }
  }

  private apply(next: Map<string, SeenReader>): void {
    // What the first look finds is the state at start, not a change.
    const initial = !this.serviceKnown;
    if (!this.serviceKnown || this.serviceError) {
      const wasKnown = this.serviceKnown;
      this.serviceKnown = true;
      this.serviceError = undefined;
      if (wasKnown) this.emit({ type: 'service-up', initial: false });
    }
    for (const [name, old] of this.current) {
      const now = next.get(name);
      if (!now) {
        if (old.cardPresent) this.emit({ type: 'card-removed', reader: name, initial });
        this.emit({ type: 'reader-detached', reader: name, initial });
      } else if (old.cardPresent && (!now.cardPresent || !sameCard(old, now))) {
        this.emit({ type: 'card-removed', reader: name, initial });
      }
    }
    for (const [name, now] of next) {
      const old = this.current.get(name);
      if (!old) this.emit({ type: 'reader-attached', reader: name, initial });
      if (now.cardPresent && (!old?.cardPresent || !sameCard(old, now))) {
        this.emit({ type: 'card-inserted', reader: name, atr: now.atr ?? new Uint8Array(0), initial });
      }
    }
    this.current = next;
  }

  private serviceDown(error: TransportError): void {
    // Handles of a dead pcscd are useless; a new context is made once it answers again.
    this.context = undefined;
    if (error.reason === 'timeout') this.thread = undefined;
    const wasUp = !this.serviceKnown || !this.serviceError;
    for (const r of this.current.values()) {
      if (r.cardPresent) this.emit({ type: 'card-removed', reader: r.name, initial: false });
      this.emit({ type: 'reader-detached', reader: r.name, initial: false });
    }
    this.current = new Map();
    this.serviceKnown = true;
    this.serviceError = error;
    if (wasUp) this.emit({ type: 'service-down', error, initial: false });
  }

  private emit(event: ReaderEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not stop the others or the monitor.
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

type SeenReader = ReaderSnapshot & { state: number };

/** pcsc-lite counts card events in the upper 16 bits: a quick remove + insert changes the count. */
function sameCard(a: SeenReader, b: SeenReader): boolean {
  if (a.state >>> 16 !== b.state >>> 16) return false;
  if (!a.atr || !b.atr) return a.atr === b.atr;
  return a.atr.length === b.atr.length && a.atr.every((v, i) => v === b.atr![i]);
}

function asTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  return new TransportError('other', error instanceof Error ? error.message : String(error), { cause: error });
}
