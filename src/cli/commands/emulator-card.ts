import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VirtualCard } from '../../../emulator/virtual-card.js';
import { SscardError } from '../../errors.js';
import type { CardTransport } from '../../transport/card-transport.js';
import type { ReaderSource } from '../../transport/reader-registry.js';
import { TransportError } from '../../transport/transport-error.js';

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

// Profiles are found beside the emulator, from src/cli/commands and dist/src/cli/commands alike.
const here = dirname(fileURLToPath(import.meta.url));
const EMULATOR_DIR = resolve(here, '../../../emulator');

let factory: EmulatorFactory = openFromEmulatorPackage;

/** Tests (and embedders) can supply cards another way. */
export function setEmulatorFactory(next: EmulatorFactory | undefined): void {
  factory = next ?? openFromEmulatorPackage;
}

export function openEmulatedCard(options: EmulatedCardOptions = {}): Promise<EmulatedCard> {
  return factory(options);
}

/** The profile used when none is named: "default" if present, else the first one shipped. */
export function defaultProfileFile(): string | undefined {
  const dir = profilesDir();
  if (!dir) return undefined;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const preferred = files.find((f) => f === 'default.json') ?? files[0];
  return preferred ? join(dir, preferred) : undefined;
}

function profilesDir(): string | undefined {
  // From the sources (emulator/profiles) or from the package (dist/.. emulator/profiles).
  for (const dir of [join(EMULATOR_DIR, 'profiles'), resolve(here, '../../../../emulator/profiles')]) {
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

function resolveProfile(profile: string | undefined): string {
  if (profile === undefined) {
    const file = defaultProfileFile();
    if (!file) throw new SscardError('EPROFILE', 'no card profile found in emulator/profiles; name one with --profile FILE');
    return file;
  }
  if (existsSync(profile)) return profile;
  const dir = profilesDir();
  const named = dir ? join(dir, profile.endsWith('.json') ? profile : `${profile}.json`) : undefined;
  if (named && existsSync(named)) return named;
  throw new SscardError('EPROFILE', `no profile "${profile}" (neither a file nor a name in emulator/profiles)`);
}

async function openFromEmulatorPackage(options: EmulatedCardOptions): Promise<EmulatedCard> {
  const profileFile = resolveProfile(options.profile);
  // The emulator loads when a card is opened, not at every start-up.
  const { openCard } = await import('../../../emulator/open-card.js');
  const card = openCard({
    profile: profileFile,
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
export function virtualCardTransport(card: VirtualCard, name = EMULATOR_READER_NAME): CardTransport {
  let powered = false;
  return {
    name,
    async connect() {
      powered = true;
      return card.powerOn();
    },
    async transmit(command) {
      if (!powered) throw new TransportError('no-card', 'the emulated card is not powered: connect() first');
      return card.transmit(command);
    },
    async reset(kind) {
      if (kind === 'cold') {
        card.powerOff();
        return card.powerOn();
      }
      return card.reset();
    },
    async close() {
      if (powered) card.powerOff();
      powered = false;
    },
  };
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
      return virtualCardTransport(emulated.card);
    },
  };
}
