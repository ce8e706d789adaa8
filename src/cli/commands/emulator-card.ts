import type { VirtualCard } from '../../../emulator/virtual-card.js';
import type { CardTransport } from '../../transport/card-transport.js';
import type { ReaderSource } from '../../transport/reader-registry.js';

/** The name the built-in emulator has among readers (`sscard readers`, `--reader`). */
export const EMULATOR_READER_NAME = 'sscard emulator';

/** A software card opened from a profile, and how to persist it when done. */
export interface EmulatedCard {
  card: VirtualCard;
  /** e.g. the profile's name. */
  label: string;
  /** Saves the card's state (if it has a state file) and releases it. */
  close(): Promise<void>;
}

export interface EmulatedCardOptions {
  /** A profile file, or the name of a profile in emulator/profiles. Default: the default profile. */
  profile?: string;
  /** State file: the card's changes persist there between runs. */
  state?: string;
  /** Present the card on its contactless interface (synthesized ATR); the profile must allow it. */
  contactless?: boolean;
}

export type EmulatorFactory = (options: EmulatedCardOptions) => Promise<EmulatedCard>;

let factory: EmulatorFactory = openFromEmulatorPackage;

/** Tests (and embedders) can supply cards another way. */
export function setEmulatorFactory(next: EmulatorFactory | undefined): void {
  factory = next ?? openFromEmulatorPackage;
}

export function openEmulatedCard(options: EmulatedCardOptions = {}): Promise<EmulatedCard> {
  return factory(options);
}

async function openFromEmulatorPackage(options: EmulatedCardOptions): Promise<EmulatedCard> {
  // The emulator loads when a card is opened, not at every start-up.
  const { openCard } = await import('../../../emulator/open-card.js');
  const card = openCard({
    // Names of shipped profiles ("default", "ss-2.00") and .json paths both resolve in openCard.
    profile: options.profile ?? 'default',
    ...(options.state === undefined ? {} : { state: options.state }),
    ...(options.contactless ? { cardInterface: 'contactless' as const } : {}),
  });
  return {
    card,
    label: card.profile.name,
    // The card saves its state (atomically) before each answer; nothing is pending at the end.
    async close() {},
  };
}

/** A VirtualCard as a CardTransport, for `--emulator`: the card powered up on connect. */
export async function virtualCardTransport(card: VirtualCard, name = EMULATOR_READER_NAME): Promise<CardTransport> {
  const { EmulatorTransport } = await import('../../../emulator/emulator-transport.js');
  return new EmulatorTransport(card, name);
}

/** The emulator as a reader source, so that `sscard readers` lists it beside PC/SC readers. */
export function emulatorReaderSource(options: EmulatedCardOptions = {}): ReaderSource & { opened: EmulatedCard[] } {
  const opened: EmulatedCard[] = [];
  return {
    id: 'emulator',
    opened,
    async list() {
      return [{ name: EMULATOR_READER_NAME, source: 'emulator', cardPresent: true }];
    },
    async open() {
      const emulated = await openEmulatedCard(options);
      opened.push(emulated);
      return await virtualCardTransport(emulated.card);
    },
  };
}
