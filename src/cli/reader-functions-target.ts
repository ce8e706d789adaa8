import type { CardInterfaceKind, CardReaders, ConnectedCard } from '../reader-functions/card-readers.js';
import type {
  ReaderFunctionBackend,
  ReaderFunctionEvent,
  ReaderFunctionInputs,
  ReaderFunctionName,
  ReaderFunctionReader,
  ReaderFunctionResult,
} from '../reader-functions/reader-function-call.js';
import { ReaderFunctions, type ReaderFunctionsOptions } from '../reader-functions/reader-functions.js';
import type { PcscReaderMonitor, ReaderEvent } from '../transport/reader-events.js';
import { TransportError } from '../transport/transport-error.js';
import { DEFAULT_TIMEOUT_MS } from './open-transport.js';

/** What both backends take: the device number, the HSM step timeout and the terminal's HSM (hsm-target.ts). */
interface TerminalSettings extends ReaderFunctionsOptions {
  deviceNumber?: string;
}

/** The readers the reader functions run on: PC/SC readers, or the emulated card and PSAM. */
export type ReaderFunctionBackendSpec = TerminalSettings &
  (
    | {
        kind: 'pcsc';
        /** The user card's reader (contact, or dual interface); default: the first reader with a card that is not the PSAM's. */
        cardReader?: string;
        /** A separate contactless reader; default: the card reader serves both interfaces. */
        contactlessReader?: string;
        /** The PSAM's reader; none: the PSAM functions use `hsm`, or answer −2201 and the HSM variants are the way. */
        psamReader?: string;
        timeoutMs?: number;
      }
    | {
        kind: 'emulator';
        profile?: string;
        state?: string;
        /** The PSAM's profile (default psam-default); `null`: no PSAM. */
        psamProfile?: string | null;
        pinPad?: () => Promise<string | undefined>;
      }
  );

/** Opens the backend `sscard serve` (and tests) run the reader functions on. */
export async function openReaderFunctionBackend(spec: ReaderFunctionBackendSpec): Promise<ReaderFunctionBackend> {
  if (spec.kind === 'emulator') {
    const { EmulatedReaders } = await import('./emulated-readers.js');
    const readers = new EmulatedReaders({
      ...(spec.profile === undefined ? {} : { profile: spec.profile }),
      ...(spec.state === undefined ? {} : { state: spec.state }),
      ...(spec.psamProfile === undefined ? {} : { psamProfile: spec.psamProfile }),
      ...(spec.pinPad === undefined ? {} : { pinPad: spec.pinPad }),
      ...(spec.deviceNumber === undefined ? {} : { deviceNumber: spec.deviceNumber }),
    });
    return new Backend(readers, {
      readers: async () => readers.readers(),
      onEvent: (listener) => readers.onEvent(listener),
      close: async () => readers.close(),
      emulatedCard: readers,
      options: functionOptions(spec),
    });
  }
  const readers = await PcscReaders.open(spec);
  return new Backend(readers, {
    readers: async () => readers.readers(),
    onEvent: (listener) => readers.onEvent(listener),
    close: () => readers.close(),
    options: functionOptions(spec),
  });
}

function functionOptions(spec: ReaderFunctionsOptions): ReaderFunctionsOptions {
  return {
    ...(spec.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: spec.stepTimeoutMs }),
    ...(spec.hsm === undefined ? {} : { hsm: spec.hsm }),
  };
}

interface BackendParts {
  readers(): Promise<ReaderFunctionReader[]>;
  onEvent(listener: (event: ReaderFunctionEvent) => void): () => void;
  close(): Promise<void>;
  emulatedCard?: ReaderFunctionBackend['emulatedCard'];
  options: ReaderFunctionsOptions;
}

/** ReaderFunctions over a set of readers, with their listing and events. */
class Backend implements ReaderFunctionBackend {
  private readonly functions: ReaderFunctions;
  readonly emulatedCard: ReaderFunctionBackend['emulatedCard'];

  constructor(
    cardReaders: CardReaders,
    private readonly parts: BackendParts,
  ) {
    this.functions = new ReaderFunctions(cardReaders, parts.options);
    this.emulatedCard = parts.emulatedCard;
  }

  call(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<ReaderFunctionResult> {
    return this.functions.call(name, inputs);
  }

  readers(): Promise<ReaderFunctionReader[]> {
    return this.parts.readers();
  }

  onEvent(listener: (event: ReaderFunctionEvent) => void): () => void {
    return this.parts.onEvent(listener);
  }

  async close(): Promise<void> {
    await this.functions.close();
    await this.parts.close();
  }
}

type PcscSpec = Extract<ReaderFunctionBackendSpec, { kind: 'pcsc' }>;

/** PC/SC readers for the reader functions, watched by a PcscReaderMonitor for the listing and events. */
class PcscReaders implements CardReaders {
  readonly deviceNumber: string | undefined;
  private readonly listeners = new Set<(event: ReaderFunctionEvent) => void>();

  private constructor(
    private readonly spec: PcscSpec,
    private readonly monitor: PcscReaderMonitor,
  ) {
    this.deviceNumber = spec.deviceNumber;
    monitor.subscribe((event) => {
      const mapped = functionEvent(event);
      if (mapped !== undefined) for (const listener of this.listeners) listener(mapped);
    });
  }

  static async open(spec: PcscSpec): Promise<PcscReaders> {
    const { PcscReaderMonitor } = await import('../transport/reader-events.js');
    const monitor = new PcscReaderMonitor();
    await monitor.start();
    return new PcscReaders(spec, monitor);
  }

  async connectCard(kind: CardInterfaceKind): Promise<ConnectedCard> {
    const named = kind === 'contactless' ? (this.spec.contactlessReader ?? this.spec.cardReader) : this.spec.cardReader;
    return this.connect(named ?? this.firstCardReader());
  }

  async connectPsam(): Promise<ConnectedCard | undefined> {
    if (this.spec.psamReader === undefined) return undefined;
    try {
      return await this.connect(this.spec.psamReader);
    } catch (error) {
      // A PSAM reader with no PSAM in it is a terminal without PSAM (−2201).
      if (error instanceof TransportError && (error.reason === 'no-card' || error.reason === 'no-reader')) return undefined;
      throw error;
    }
  }

  readers(): ReaderFunctionReader[] {
    return this.monitor.readers.map((r) => ({ name: r.name, role: this.roleOf(r.name), cardPresent: r.cardPresent }));
  }

  /** Adds a listener; it first hears the readers and cards there now (the monitor's initial events). */
  onEvent(listener: (event: ReaderFunctionEvent) => void): () => void {
    for (const r of this.monitor.readers) {
      listener({ type: 'reader-added', reader: r.name });
      if (r.cardPresent) listener({ type: 'card-inserted', reader: r.name });
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.monitor.stop();
  }

  private async connect(reader: string): Promise<ConnectedCard> {
    const { PcscTransport } = await import('../transport/pcsc-transport.js');
    // The whole function (and an HSM step's wait) holds the card: no other program's command between.
    const transport = new PcscTransport({ reader, timeoutMs: this.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS, holdTransaction: true });
    try {
      const atr = await transport.connect();
      return { transport, atr, close: () => transport.close() };
    } catch (error) {
      await transport.close().catch(() => {});
      throw error;
    }
  }

  private firstCardReader(): string {
    const reader = this.monitor.readers.find((r) => r.cardPresent && !this.isPsamReader(r.name));
    if (reader === undefined) throw new TransportError('no-card', 'no card in any reader');
    return reader.name;
  }

  private isPsamReader(name: string): boolean {
    return this.spec.psamReader !== undefined && readerMatches(name, this.spec.psamReader);
  }

  private roleOf(name: string): ReaderFunctionReader['role'] {
    if (this.isPsamReader(name)) return 'psam';
    if (this.spec.contactlessReader !== undefined && readerMatches(name, this.spec.contactlessReader)) return 'contactless';
    // A named card reader: the others are not this terminal's (without a name, any reader with a card is).
    if (this.spec.cardReader !== undefined && !readerMatches(name, this.spec.cardReader)) return 'unused';
    return this.spec.contactlessReader !== undefined ? 'contact' : 'card';
  }
}

/** A reader named on the command line: its exact name or a part of it, in any case (as `--reader` says). */
function readerMatches(name: string, wanted: string): boolean {
  return name === wanted || name.toLowerCase().includes(wanted.toLowerCase());
}

/** The monitor's events as the service pushes them (the service's own up/down is not a reader event). */
function functionEvent(event: ReaderEvent): ReaderFunctionEvent | undefined {
  switch (event.type) {
    case 'reader-attached':
      return { type: 'reader-added', reader: event.reader };
    case 'reader-detached':
      return { type: 'reader-removed', reader: event.reader };
    case 'card-inserted':
      return { type: 'card-inserted', reader: event.reader };
    case 'card-removed':
      return { type: 'card-removed', reader: event.reader };
    default:
      return undefined;
  }
}
