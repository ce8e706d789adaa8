import type { Command } from 'commander';
import { isContactlessAtr } from '../apdu/atr.js';
import type { CardChannel } from '../channel/card-channel.js';
import type { TraceListener } from '../channel/trace-event.js';
import { InputError } from '../errors.js';
import type { CardTransport } from '../transport/card-transport.js';

/** The options every card command takes to say which card: a PC/SC reader or the built-in emulator. */
export interface CardTargetOptions {
  reader?: string;
  emulator?: boolean;
  profile?: string;
  state?: string;
  contactless?: boolean;
  timeout?: string;
}

/** An open card: the transport, a channel over it, and what the card said at power-up. */
export interface CardTarget {
  transport: CardTransport;
  channel: CardChannel;
  atr: Uint8Array;
  contactless: boolean;
  /** "sscard emulator (default)" or the PC/SC reader name. */
  label: string;
  /** The test master keys of the emulated card, when the target is a shipped profile. */
  sampleKeysFile?: string;
  close(): Promise<void>;
}

/** Adds `--reader`, `--emulator`, `--profile`, `--state`, `--contactless`, `--timeout` to a command. */
export function addCardTargetOptions(command: Command): Command {
  return command
    .option('-r, --reader <name>', 'PC/SC reader: exact name or a part of it (default: the first reader with a card)')
    .option('--emulator', 'use the built-in emulated card instead of a PC/SC reader')
    .option('--profile <profile>', 'emulated card: a shipped profile name (default, ss-2.00, ss-1.00) or a .json file')
    .option('--state <file>', 'emulated card: keep its state (PIN tries, balances) in this file between runs')
    .option('--contactless', 'emulated card: present it on the contactless interface')
    .option('--timeout <ms>', 'timeout of each PC/SC operation in milliseconds', '10000');
}

export async function openCardTarget(options: CardTargetOptions, trace?: TraceListener): Promise<CardTarget> {
  if (options.emulator && options.reader !== undefined) throw new InputError('reader', '--reader and --emulator exclude each other');
  if (!options.emulator && (options.profile !== undefined || options.state !== undefined || options.contactless)) {
    throw new InputError('emulator', '--profile, --state and --contactless apply to the emulated card: add --emulator');
  }
  let transport: CardTransport;
  let label: string;
  let sampleKeysFile: string | undefined;
  // The emulator, PC/SC and channel code load when a card command runs, not at every start-up.
  if (options.emulator) {
    const { EmulatorTransport, openCard, profileKeysPath } = await import('../../emulator/index.js');
    const profile = options.profile ?? 'default';
    const card = openCard({
      profile,
      ...(options.state === undefined ? {} : { state: options.state }),
      cardInterface: options.contactless ? 'contactless' : 'contact',
    });
    transport = new EmulatorTransport(card, `sscard emulator (${profile})`);
    label = transport.name;
    try {
      sampleKeysFile = profileKeysPath(profile);
    } catch {
      sampleKeysFile = undefined;
    }
  } else {
    const timeoutMs = Number(options.timeout ?? '10000');
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new InputError('timeout', `--timeout must be a positive number of milliseconds, got "${options.timeout}"`);
    }
    const { PcscTransport } = await import('../transport/pcsc-transport.js');
    transport = new PcscTransport({ ...(options.reader === undefined ? {} : { reader: options.reader }), timeoutMs });
    label = options.reader ?? 'PC/SC';
  }
  const atr = await transport.connect();
  const { CardChannel } = await import('../channel/card-channel.js');
  const channel = new CardChannel(transport, trace ? { trace } : {});
  return {
    transport,
    channel,
    atr,
    contactless: isContactlessAtr(atr),
    label: transport.name || label,
    ...(sampleKeysFile === undefined ? {} : { sampleKeysFile }),
    close: () => transport.close(),
  };
}

/** Opens the target, runs `body`, and always releases the card. */
export async function withCardTarget<T>(
  options: CardTargetOptions,
  body: (target: CardTarget) => Promise<T>,
  trace?: TraceListener,
): Promise<T> {
  const target = await openCardTarget(options, trace);
  try {
    return await body(target);
  } finally {
    await target.close();
  }
}
