import type { CardEmulator } from '../../emulator/card-emulator.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { openCard } from '../../emulator/open-card.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { FileStateStore, MemoryStateStore, type StateStore } from '../../emulator/state-store.js';
import type { VirtualCard } from '../../emulator/virtual-card.js';
import type { CardInterfaceKind, CardReaders, ConnectedCard } from '../reader-functions/card-readers.js';
import type { ReaderFunctionEvent, ReaderFunctionReader } from '../reader-functions/reader-function-call.js';
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
  /** Counts the insertions: a connection belongs to one. */
  private insertions = 0;
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

  get insertion(): number {
    return this.insertions;
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
    this.insertions++;
    this.emit({ type: 'card-inserted', reader: EMULATED_CARD_READER });
  }

  async connectCard(kind: CardInterfaceKind): Promise<ConnectedCard> {
    if (!this.inserted) throw new TransportError('no-card', `${EMULATED_CARD_READER}: no card`);
    const card = new InsertedCard(this.cardOn(kind), this, this.insertion);
    const transport = new EmulatorTransport(card, EMULATED_CARD_READER, this.options.pinPad ? { pinPad: this.options.pinPad } : {});
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
 * The card as one connection sees it: while it stays in the reader; once pulled (or pulled and put
 * back) every command fails with 'card-removed', as PC/SC does until a new connection — also a
 * command a PIN pad sends after the person typed.
 */
class InsertedCard implements VirtualCard {
  constructor(
    private readonly card: CardEmulator,
    private readonly readers: { readonly present: boolean; readonly insertion: number },
    private readonly insertion: number,
  ) {}

  powerOn(): Uint8Array {
    this.check();
    return this.card.powerOn();
  }

  /** A stale connection does not power off the card a newer one uses. */
  powerOff(): void {
    if (this.readers.insertion === this.insertion) this.card.powerOff();
  }

  reset(): Uint8Array {
    this.check();
    return this.card.reset();
  }

  transmit(command: Uint8Array): Uint8Array {
    this.check();
    return this.card.transmit(command);
  }

  private check(): void {
    if (!this.readers.present || this.readers.insertion !== this.insertion) {
      throw new TransportError('card-removed', `${EMULATED_CARD_READER}: the card was removed`);
    }
  }
}
