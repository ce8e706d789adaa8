import type { Command } from 'commander';
import type { VirtualCard } from '../../emulator/virtual-card.js';
import { InputError } from '../errors.js';
import type { CardTransport } from '../transport/card-transport.js';
import type { ReaderSource } from '../transport/reader-registry.js';
import { checkOutputPath } from './output-paths.js';

/** The name the built-in emulator has among readers (`sscard readers`, `--reader`). */
export const EMULATOR_READER_NAME = 'sscard emulator';

/** The card options as commander hands them over: which card, and how long to wait for it. */
export interface CardTargetOptions {
  reader?: string;
  emulator?: boolean;
  profile?: string;
  state?: string;
  contactless?: boolean;
  timeout?: string;
  exclusive?: boolean;
}

/** The same, checked: the one parser of `--reader/--emulator/--profile/--state/--contactless/--timeout/--exclusive`. */
export type CardTargetSpec =
  | { kind: 'pcsc'; reader?: string; timeoutMs: number; exclusive?: boolean }
  | { kind: 'emulator'; profile: string; state?: string; contactless: boolean; timeoutMs: number };

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Adds `--reader`, `--emulator`, `--profile`, `--state`, `--contactless`, `--timeout`, `--exclusive` to a command. */
export function addCardTargetOptions(command: Command, options: { timeoutDefault?: boolean; timeoutHelp?: string } = {}): Command {
  command
    .option('-r, --reader <name>', 'PC/SC reader: exact name or a part of it (default: the first reader with a card)')
    .option('--emulator', 'use the built-in emulated card instead of a PC/SC reader')
    .option('--profile <profile>', 'emulated card: a shipped profile name (default, ss-2.00, ss-1.00) or a .json file')
    .option('--state <file>', 'emulated card: keep its state (PIN tries, balances) in this file between runs (one process at a time)')
    .option('--contactless', 'emulated card: present it on the contactless interface')
    .option('--exclusive', 'PC/SC: open the card in exclusive mode (no other program may even connect until sscard is done)');
  const timeoutHelp =
    options.timeoutHelp ?? 'timeout in milliseconds of each PC/SC operation, or of the wait for a --state file another process holds';
  return options.timeoutDefault === false
    ? command.option('--timeout <ms>', timeoutHelp)
    : command.option('--timeout <ms>', timeoutHelp, String(DEFAULT_TIMEOUT_MS));
}

export function parseCardTarget(options: CardTargetOptions): CardTargetSpec {
  if (options.emulator && options.reader !== undefined) throw new InputError('reader', '--reader and --emulator exclude each other');
  if (options.emulator && options.exclusive) throw new InputError('exclusive', '--exclusive applies to a PC/SC reader, not --emulator');
  const timeoutMs = parseTimeout(options.timeout);
  if (!options.emulator) {
    if (options.profile !== undefined || options.state !== undefined || options.contactless) {
      throw new InputError('emulator', '--profile, --state and --contactless apply to the emulated card: add --emulator');
    }
    return {
      kind: 'pcsc',
      ...(options.reader === undefined ? {} : { reader: options.reader }),
      timeoutMs,
      ...(options.exclusive ? { exclusive: true } : {}),
    };
  }
  if (options.state !== undefined) checkOutputPath(options.state, { what: '--state', existing: 'update' });
  return {
    kind: 'emulator',
    profile: options.profile ?? 'default',
    ...(options.state === undefined ? {} : { state: options.state }),
    contactless: options.contactless === true,
    timeoutMs,
  };
}

/** `--timeout`: a positive whole number of milliseconds (default 10 s). */
export function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InputError('timeout', `--timeout must be a positive number of milliseconds, got "${text}"`);
  return n;
}

/** A card to talk to, not yet connected, and how to let it go. */
export interface OpenedTransport {
  transport: CardTransport;
  /** The test master keys of the emulated card, when it is a shipped profile. */
  sampleKeysFile?: string;
  /** Closes the transport and gives the emulated card's state file back. */
  close(): Promise<void>;
}

/** The one way the CLI opens a card: a PC/SC reader, or the emulator with its profile and state. */
export async function openTransport(spec: CardTargetSpec): Promise<OpenedTransport> {
  if (spec.kind === 'pcsc') {
    // PC/SC code loads when a card is opened, not at every start-up.
    const { PcscTransport } = await import('../transport/pcsc-transport.js');
    // One command is one piece of work on the card: it holds a PC/SC transaction, so no other
    // program's commands land between its own (a SELECT and its READ, a 61xx and its GET RESPONSE).
    const transport = new PcscTransport({
      ...(spec.reader === undefined ? {} : { reader: spec.reader }),
      timeoutMs: spec.timeoutMs,
      holdTransaction: true,
      ...(spec.exclusive ? { share: 'exclusive' as const } : {}),
    });
    return { transport, close: () => transport.close() };
  }
  const emulated = await openEmulatedCard({
    profile: spec.profile,
    ...(spec.state === undefined ? {} : { state: spec.state }),
    contactless: spec.contactless,
    stateWaitMs: spec.timeoutMs,
  });
  const { EmulatorTransport } = await import('../../emulator/emulator-transport.js');
  const transport = new EmulatorTransport(emulated.card, `${EMULATOR_READER_NAME} (${emulated.label})`);
  const sampleKeysFile = await sampleKeys(spec.profile);
  return {
    transport,
    ...(sampleKeysFile === undefined ? {} : { sampleKeysFile }),
    async close() {
      try {
        await transport.close();
      } finally {
        await emulated.close();
      }
    },
  };
}

async function sampleKeys(profile: string): Promise<string | undefined> {
  const { profileKeysPath } = await import('../../emulator/profile-paths.js');
  try {
    return profileKeysPath(profile);
  } catch {
    return undefined;
  }
}

/** A software card opened from a profile (and state file), and how to let it go. */
export interface EmulatedCard {
  card: VirtualCard;
  /** The profile's name. */
  label: string;
  /** Releases the card's state file (it was saved before each answer). */
  close(): Promise<void>;
}

export interface EmulatedCardOptions {
  /** A profile file, or the name of a shipped profile. Default: the default profile. */
  profile?: string;
  /** State file: the card's changes persist there between runs; one owner at a time. */
  state?: string;
  /** Present the card on its contactless interface (synthesized ATR); the profile must allow it. */
  contactless?: boolean;
  /** How long to wait for another process holding the state file. */
  stateWaitMs?: number;
}

export type EmulatorFactory = (options: EmulatedCardOptions) => Promise<EmulatedCard>;

let factory: EmulatorFactory = openFromEmulatorPackage;

/** Tests (and embedders) can supply cards another way. */
export function setEmulatorFactory(next: EmulatorFactory | undefined): void {
  factory = next ?? openFromEmulatorPackage;
}

/** The emulated card itself, for `sscard emulate` (which puts it into vpcd rather than a transport). */
export function openEmulatedCard(options: EmulatedCardOptions = {}): Promise<EmulatedCard> {
  return factory(options);
}

async function openFromEmulatorPackage(options: EmulatedCardOptions): Promise<EmulatedCard> {
  // The emulator loads when a card is opened, not at every start-up.
  const { openCard } = await import('../../emulator/open-card.js');
  const card = openCard({
    // Names of shipped profiles ("default", "ss-2.00") and .json paths both resolve in openCard.
    profile: options.profile ?? 'default',
    ...(options.state === undefined ? {} : { state: options.state }),
    ...(options.contactless ? { cardInterface: 'contactless' as const } : {}),
    ...(options.stateWaitMs === undefined ? {} : { stateWaitMs: options.stateWaitMs }),
  });
  return {
    card,
    label: card.profile.name,
    async close() {
      card.close();
    },
  };
}

/** The emulator as a reader source, so that `sscard readers` lists it beside PC/SC readers. */
export function emulatorReaderSource(): ReaderSource {
  return {
    id: 'emulator',
    async list() {
      return [{ name: EMULATOR_READER_NAME, source: 'emulator', cardPresent: true }];
    },
    async open() {
      return (await openTransport({ kind: 'emulator', profile: 'default', contactless: false, timeoutMs: DEFAULT_TIMEOUT_MS })).transport;
    },
  };
}
