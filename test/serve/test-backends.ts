// Backends for the service tests only: the real ones are the reader functions' own.
import { EmulatorTransport, openCard, profileKeysPath } from '../../emulator/index.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import type {
  ReaderFunctionBackend,
  ReaderFunctionEvent,
  ReaderFunctionInputs,
  ReaderFunctionName,
  ReaderFunctionReader,
  ReaderFunctionResult,
} from '../../src/reader-functions/reader-function-call.js';
import type { CardTransport } from '../../src/transport/card-transport.js';
import { TransportError } from '../../src/transport/transport-error.js';

type Listener = (event: ReaderFunctionEvent) => void;

/** Event plumbing shared by the test backends: a new listener first hears the readers and cards there now. */
class Events {
  private readonly listeners = new Set<Listener>();
  constructor(private readonly current: () => ReaderFunctionReader[]) {}
  on(listener: Listener): () => void {
    for (const reader of this.current()) {
      listener({ type: 'reader-added', reader: reader.name });
      if (reader.cardPresent) listener({ type: 'card-inserted', reader: reader.name });
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: ReaderFunctionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * Records when each call starts and ends (`start:iReadCardBas#1` …) and answers after `delayMs`,
 * echoing the non-secret inputs it received in pOutInfo. Makes no attempt to serialize calls
 * itself: the service's queue must.
 */
export function recordingBackend(delayMs = 20) {
  const log: string[] = [];
  const readers: ReaderFunctionReader[] = [{ name: 'Test Reader 00', role: 'card', cardPresent: true }];
  const events = new Events(() => readers);
  let n = 0;
  const backend: ReaderFunctionBackend = {
    async call(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<ReaderFunctionResult> {
      const id = `${name}#${++n}`;
      log.push(`start:${id}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      log.push(`end:${id}`);
      return { code: 0, pOutInfo: `${inputs.iType ?? ''}|${inputs.pCardInfo ?? ''}|` };
    },
    readers: async () => readers,
    onEvent: (listener) => events.on(listener),
    async close() {},
  };
  return { backend, log, emit: (event: ReaderFunctionEvent) => events.emit(event) };
}

/** A transport over the emulator that is slow (so a test can pull the card mid-request) and fails once the card is out. */
class PullableTransport implements CardTransport {
  present = true;
  /** The header of every command sent, in order. */
  readonly commands: string[] = [];
  constructor(
    private readonly inner: EmulatorTransport,
    private readonly apduDelayMs: number,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  connect(): Promise<Uint8Array> {
    return this.inner.connect();
  }
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (this.apduDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.apduDelayMs));
    if (!this.present) throw new TransportError('card-removed', 'the card was removed');
    // CLA INS P1 P2 only: authentication data differs from read to read (randoms).
    this.commands.push(Buffer.from(command.subarray(0, 4)).toString('hex'));
    return this.inner.transmit(command);
  }
  reset(): Promise<Uint8Array> {
    return this.inner.reset();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export const EMULATED_READER = 'sscard emulator (default)';

/**
 * iReadCardBas only, straight from SocialSecuritySession.readCardBas on the default emulated
 * card with its test keys; the card can be pulled and put back. Codes: −2 when the card is out (or goes out), −13
 * for any other function.
 */
export async function emulatedReadCardBasBackend(options: { apduDelayMs?: number } = {}) {
  const card = openCard({ profile: 'default' });
  const transport = new PullableTransport(new EmulatorTransport(card, EMULATED_READER), options.apduDelayMs ?? 0);
  const atr = await transport.connect();
  const channel = new CardChannel(transport);
  const readers = (): ReaderFunctionReader[] => [{ name: EMULATED_READER, role: 'card', cardPresent: transport.present }];
  const events = new Events(readers);
  const keys = await SoftwareKeyProvider.fromFile(profileKeysPath('default'));
  const readCardBas = async (): Promise<ReaderFunctionResult> => {
    if (!transport.present) return { code: -2, pOutInfo: 'no card' };
    try {
      const session = await SocialSecuritySession.open(channel, { atr });
      return { code: 0, pOutInfo: await session.readCardBas({ keys }) };
    } catch (error) {
      if (error instanceof TransportError) return { code: -2, pOutInfo: 'no card' };
      throw error;
    }
  };
  const backend: ReaderFunctionBackend = {
    call: async (name) => (name === 'iReadCardBas' ? readCardBas() : { code: -13, pOutInfo: '' }),
    readers: async () => readers(),
    onEvent: (listener) => events.on(listener),
    emulatedCard: {
      remove() {
        transport.present = false;
        events.emit({ type: 'card-removed', reader: EMULATED_READER });
      },
      insert() {
        transport.present = true;
        card.powerOn();
        events.emit({ type: 'card-inserted', reader: EMULATED_READER });
      },
      get present() {
        return transport.present;
      },
    },
    async close() {
      await transport.close();
    },
  };
  return { backend, transport, readCardBasDirect: readCardBas };
}
