import type { CardEmulator } from '../../emulator/card-emulator.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { openCard } from '../../emulator/open-card.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { FileStateStore, MemoryStateStore, type StateStore } from '../../emulator/state-store.js';
import type { CardInterfaceKind, CardReaders, ConnectedCard } from '../reader-functions/card-readers.js';
import type { ReaderFunctionEvent, ReaderFunctionReader } from '../reader-functions/reader-function-call.js';
import type { CardTransport, PinPadFormat, ResetKind } from '../transport/card-transport.js';
import { TransportError } from '../transport/transport-error.js';
import { EMULATOR_READER_NAME } from './open-transport.js';
import { EMULATED_PSAM_PROFILE } from './psam-target.js';

/** The emulated terminal's two readers as `GET /readers` lists them. */
export const EMULATED_CARD_READER = `${EMULATOR_READER_NAME} (dual interface)`;
export const EMULATED_PSAM_READER = `${EMULATOR_READER_NAME} (PSAM)`;

export interface EmulatedReadersOptions {
  /** The user card's profile (default: the default card). */
  profile?: string;
  /** Its state file (PIN tries, balances); default: in memory. */
  state?: string;
  /** The PSAM's profile (default psam-default); `null`: a terminal without PSAM. */
  psamProfile?: string | null;
  /** A simulated PIN pad on the card reader: the digits a person types (undefined: cancelled). */
  pinPad?: () => Promise<string | undefined>;
  deviceNumber?: string;
}

/**
 * The emulated terminal: one dual-interface reader holding the emulated card (contact and
 * contactless, one state shared by both) and a PSAM slot with the emulated PSAM. The card can be
 * pulled and put back (remove/insert): a connection made before answers 'card-removed' from then on.
 */
export class EmulatedReaders implements CardReaders {
  readonly deviceNumber: string | undefined;
  private readonly profile;
  private readonly store: StateStore;
  private readonly psam: CardEmulator | undefined;
  private card: CardEmulator | undefined;
  private insertion = 0;
  private inserted = true;
  private readonly listeners = new Set<(event: ReaderFunctionEvent) => void>();

  constructor(private readonly options: EmulatedReadersOptions = {}) {
    this.profile = loadProfile(resolveProfilePath(options.profile ?? 'default'));
    this.store = options.state === undefined ? new MemoryStateStore() : new FileStateStore(options.state);
    this.deviceNumber = options.deviceNumber;
    const psamProfile = options.psamProfile === undefined ? EMULATED_PSAM_PROFILE : options.psamProfile;
    try {
      this.psam = psamProfile === null ? undefined : openCard({ profile: psamProfile });
    } catch (error) {
      this.store.close?.();
      throw error;
    }
  }

  get present(): boolean {
    return this.inserted;
  }

  /** Pulls the card out: what is running on it fails, the card is powered off. */
  remove(): void {
    if (!this.inserted) return;
    this.inserted = false;
    this.card?.powerOff();
    this.emit({ type: 'card-removed', reader: EMULATED_CARD_READER });
  }

  insert(): void {
    if (this.inserted) return;
    this.inserted = true;
    this.insertion++;
    this.emit({ type: 'card-inserted', reader: EMULATED_CARD_READER });
  }

  async connectCard(kind: CardInterfaceKind): Promise<ConnectedCard> {
    if (!this.inserted) throw new TransportError('no-card', `${EMULATED_CARD_READER}: no card`);
    const card = this.cardOn(kind);
    const transport = new PresentCardTransport(
      new EmulatorTransport(card, EMULATED_CARD_READER, this.options.pinPad ? { pinPad: this.options.pinPad } : {}),
      () => this.inserted,
      this.insertion,
      () => this.insertion,
    );
    const atr = await transport.connect();
    return { transport, atr, close: () => transport.close() };
  }

  async connectPsam(): Promise<ConnectedCard | undefined> {
    if (this.psam === undefined) return undefined;
    const transport = new EmulatorTransport(this.psam, EMULATED_PSAM_READER);
    const atr = await transport.connect();
    return { transport, atr, close: () => transport.close() };
  }

  readers(): ReaderFunctionReader[] {
    const card: ReaderFunctionReader = { name: EMULATED_CARD_READER, role: 'card', cardPresent: this.inserted };
    return this.psam === undefined ? [card] : [card, { name: EMULATED_PSAM_READER, role: 'psam', cardPresent: true }];
  }

  /** Adds a listener and tells it the readers and the card there now. */
  onEvent(listener: (event: ReaderFunctionEvent) => void): () => void {
    this.listeners.add(listener);
    for (const reader of this.readers()) {
      listener({ type: 'reader-added', reader: reader.name });
      if (reader.cardPresent) listener({ type: 'card-inserted', reader: reader.name });
    }
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.card?.powerOff();
    this.psam?.close();
    this.store.close?.();
    this.listeners.clear();
  }

  /**
   * The card as the interface presents it: a new emulator over the shared state when the interface
   * changes (each loads what the other saved; its power-up is a fresh one anyway).
   */
  private cardOn(kind: CardInterfaceKind): CardEmulator {
    if (this.card?.cardInterface !== kind) {
      this.card?.powerOff();
      this.card = openCard({ profile: this.profile, store: this.store, cardInterface: kind });
    }
    return this.card;
  }

  private emit(event: ReaderFunctionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * A transport that works while its card stays in the reader: once the card is pulled (or pulled and
 * put back) every call answers 'card-removed', as PC/SC does until a new connection.
 */
class PresentCardTransport implements CardTransport {
  readonly verifyPinOnPad?: (command: Uint8Array, format: PinPadFormat) => Promise<Uint8Array>;

  constructor(
    private readonly inner: EmulatorTransport,
    private readonly present: () => boolean,
    private readonly insertion: number,
    private readonly currentInsertion: () => number,
  ) {
    const pad = inner.verifyPinOnPad;
    if (pad) this.verifyPinOnPad = async (command, format) => this.checked(() => pad(command, format));
  }

  get name(): string {
    return this.inner.name;
  }

  connect(): Promise<Uint8Array> {
    return this.checked(() => this.inner.connect());
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.checked(() => this.inner.transmit(command));
  }

  reset(kind?: ResetKind): Promise<Uint8Array> {
    return this.checked(() => this.inner.reset(kind));
  }

  /** A stale connection does not power off the card a newer one uses. */
  async close(): Promise<void> {
    if (this.currentInsertion() === this.insertion) await this.inner.close();
  }

  private async checked<T>(call: () => Promise<T>): Promise<T> {
    if (!this.present() || this.currentInsertion() !== this.insertion) {
      throw new TransportError('card-removed', `${this.inner.name}: the card was removed`);
    }
    return call();
  }
}
