import type { CardTransport } from './card-transport.js';
import { readerStateFlags, SCARD } from './pcsc/pcsc-platform.js';
import { ScardThread } from './pcsc/scard-thread.js';
import { PcscTransport, type PcscTransportOptions } from './pcsc-transport.js';
import { TransportError } from './transport-error.js';

/** One place a card can be reached: a PC/SC reader or a software card. */
export interface ReaderEntry {
  name: string;
  /** Which source listed it, e.g. "pcsc" or "emulator". */
  source: string;
  cardPresent: boolean;
  atr?: Uint8Array;
  /** PC/SC state flags (present, empty, mute, inuse, exclusive, unavailable). */
  flags?: string[];
}

/** A kind of reader (PC/SC, the built-in emulator, a recording) that the registry can list and open. */
export interface ReaderSource {
  readonly id: string;
  list(): Promise<ReaderEntry[]>;
  open(name: string): CardTransport | Promise<CardTransport>;
}

export interface ReaderListing {
  readers: ReaderEntry[];
  /** Sources that could not be listed (pcscd down, binding missing); the others are still shown. */
  problems: Array<{ source: string; error: TransportError }>;
}

/**
 * PC/SC readers and emulated ones side by side, as pyscard's reader groups do. The library
 * registers only PC/SC; the CLI adds the emulator (the library never imports it).
 */
export class ReaderRegistry {
  private readonly sources: ReaderSource[] = [];

  register(source: ReaderSource): this {
    this.sources.push(source);
    return this;
  }

  async list(): Promise<ReaderListing> {
    const listing: ReaderListing = { readers: [], problems: [] };
    for (const source of this.sources) {
      try {
        listing.readers.push(...(await source.list()));
      } catch (error) {
        const failure =
          error instanceof TransportError
            ? error
            : new TransportError('other', `listing ${source.id} readers: ${error instanceof Error ? error.message : String(error)}`);
        listing.problems.push({ source: source.id, error: failure });
      }
    }
    return listing;
  }

  /** Opens the reader named exactly, else the only one whose name contains `name` (case-insensitive). */
  async open(name: string): Promise<CardTransport> {
    const { readers, problems } = await this.list();
    const exact = readers.find((r) => r.name === name);
    const partial = readers.filter((r) => r.name.toLowerCase().includes(name.toLowerCase()));
    const entry = exact ?? (partial.length === 1 ? partial[0] : undefined);
    if (!entry) {
      if (partial.length > 1)
        throw new TransportError('no-reader', `"${name}" matches several readers: ${partial.map((r) => `"${r.name}"`).join(', ')}`);
      const why = problems.map((p) => ` (${p.source}: ${p.error.message})`).join('');
      throw new TransportError('no-reader', `no reader named "${name}"${why}`);
    }
    const source = this.sources.find((s) => s.id === entry.source)!;
    return source.open(entry.name);
  }
}

/** PC/SC readers through pcscd; `open` returns a PcscTransport (not yet connected). */
export function pcscReaderSource(options: Omit<PcscTransportOptions, 'reader'> = {}): ReaderSource {
  // Listing must not hang on a stopped pcscd either: each call has this bound.
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    id: 'pcsc',
    async list() {
      const thread = options.scard?.thread() ?? new ScardThread();
      let context: number | bigint | undefined;
      try {
        context = await thread.call('establishContext', [SCARD.SCOPE_SYSTEM], timeoutMs, 'opening the PC/SC service');
        const names = await thread.call('listReaders', [context], timeoutMs, 'listing PC/SC readers');
        if (names.length === 0) return [];
        const states = await thread.call(
          'getStatusChange',
          [context, 0, names.map((reader) => ({ reader, currentState: SCARD.STATE_UNAWARE }))],
          timeoutMs,
          'reading the readers’ state',
        );
        return (Array.isArray(states) ? states : []).map((r): ReaderEntry => {
          const state = r.eventState ?? 0;
          const present = (state & SCARD.STATE_PRESENT) !== 0;
          return {
            name: r.reader,
            source: 'pcsc',
            cardPresent: present,
            ...(present && r.atr && r.atr.length > 0 ? { atr: r.atr } : {}),
            flags: readerStateFlags(state),
          };
        });
      } finally {
        if (!thread.abandoned) {
          if (context !== undefined) await thread.call('releaseContext', [context], timeoutMs, 'releasing').catch(() => {});
          thread.close();
        }
      }
    },
    open(name) {
      return new PcscTransport({ ...options, reader: name });
    },
  };
}
