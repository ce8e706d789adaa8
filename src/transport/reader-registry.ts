import type { CardTransport } from './card-transport.js';
import { loadPcscBinding, type PcscBinding, pcscFailure } from './pcsc-binding.js';
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
        const failure = error instanceof TransportError ? error : pcscFailure(error, `listing ${source.id} readers`);
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
  return {
    id: 'pcsc',
    async list() {
      const source = options.binding;
      const binding: PcscBinding = typeof source === 'function' ? await source() : (source ?? (await loadPcscBinding()));
      let context: InstanceType<PcscBinding['Context']> | undefined;
      try {
        context = new binding.Context();
        return context.listReaders().map((r) => {
          const present = (r.state & binding.SCARD_STATE_PRESENT) !== 0;
          const flags = (
            [
              [binding.SCARD_STATE_PRESENT, 'present'],
              [binding.SCARD_STATE_EMPTY, 'empty'],
              [binding.SCARD_STATE_MUTE, 'mute'],
              [binding.SCARD_STATE_INUSE, 'inuse'],
              [binding.SCARD_STATE_EXCLUSIVE, 'exclusive'],
              [binding.SCARD_STATE_UNAVAILABLE, 'unavailable'],
            ] as Array<[number, string]>
          )
            .filter(([bit]) => (r.state & bit) !== 0)
            .map(([, n]) => n);
          return {
            name: r.name,
            source: 'pcsc',
            cardPresent: present,
            ...(present && r.atr && r.atr.length > 0 ? { atr: new Uint8Array(r.atr) } : {}),
            flags,
          };
        });
      } catch (error) {
        throw pcscFailure(error, 'listing PC/SC readers');
      } finally {
        try {
          context?.close();
        } catch {
          // The service went away; nothing to release.
        }
      }
    },
    open(name) {
      return new PcscTransport({ ...options, reader: name });
    },
  };
}
