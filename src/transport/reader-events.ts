import { loadPcscBinding, type PcscBinding, type PcscContext, PNP_NOTIFICATION, pcscFailure } from './pcsc-binding.js';
import type { TransportError } from './transport-error.js';
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
  binding?: PcscBinding | (() => Promise<PcscBinding>);
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
  private binding: PcscBinding | undefined;
  private context: PcscContext | undefined;
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
    const source = this.options.binding;
    this.binding = typeof source === 'function' ? await source() : (source ?? (await loadPcscBinding()));
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
    try {
      this.context?.cancel();
    } catch {
      // The service is gone; the wait ends on its own.
    }
    await withTimeout(this.loop ?? Promise.resolve(), 5000, 'stopping the reader monitor').catch(() => {});
    try {
      this.context?.close();
    } catch {
      // Same.
    }
    this.context = undefined;
  }

  private async run(firstDone: () => void): Promise<void> {
    const binding = this.binding!;
    const pollMs = this.options.pollMs ?? 1000;
    const retryMs = this.options.retryMs ?? 500;
    let pnpState = 0;
    while (this.running) {
      const next = this.look(binding);
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
        const watch = [...next.values()].map((r) => ({ name: r.name, state: r.state }));
        watch.push({ name: PNP_NOTIFICATION, state: pnpState });
        const states = await withTimeout(this.context!.waitForChange(watch, pollMs), pollMs + 2000, 'waiting for reader changes');
        const pnp = states?.find((s) => s.name === PNP_NOTIFICATION);
        if (pnp) pnpState = pnp.state & ~0x2; // drop SCARD_STATE_CHANGED: compare against the state itself
      } catch (error) {
        this.serviceDown(pcscFailure(error, 'watching PC/SC readers'));
        continue;
      }
      // Never spin: if the wait returned at once (a state the service reports differently), pause a little.
      if (Date.now() - started < 20) await this.sleep(100);
    }
  }

  private look(binding: PcscBinding): Map<string, SeenReader> | undefined {
    try {
      if (!this.context?.isValid) {
        this.context = undefined;
        this.context = new binding.Context();
      }
      const readers = this.context.listReaders();
      const out = new Map<string, SeenReader>();
      for (const r of readers) {
        const present = (r.state & binding.SCARD_STATE_PRESENT) !== 0;
        out.set(r.name, {
          name: r.name,
          state: r.state,
          cardPresent: present,
          ...(present && r.atr && r.atr.length > 0 ? { atr: new Uint8Array(r.atr) } : {}),
          flags: stateFlags(r.state, binding),
        });
      }
      return out;
    } catch (error) {
      this.serviceDown(pcscFailure(error, 'reaching the PC/SC service'));
      return undefined;
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

function stateFlags(state: number, b: PcscBinding): string[] {
  const flags: Array<[number, string]> = [
    [b.SCARD_STATE_PRESENT, 'present'],
    [b.SCARD_STATE_EMPTY, 'empty'],
    [b.SCARD_STATE_MUTE, 'mute'],
    [b.SCARD_STATE_INUSE, 'inuse'],
    [b.SCARD_STATE_EXCLUSIVE, 'exclusive'],
    [b.SCARD_STATE_UNAVAILABLE, 'unavailable'],
  ];
  return flags.filter(([bit]) => (state & bit) !== 0).map(([, name]) => name);
}
