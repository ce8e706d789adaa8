import type { Command } from 'commander';
import type { PsamSession } from '../applications/psam/psam-session.js';
import type { SocialSecurityOpenOptions, SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import type { KeyProvider } from '../channel/key-provider.js';
import { InputError } from '../errors.js';
import { addCardTargetOptions, type CardTarget, type CardTargetOptions, withCardTarget } from './card-target.js';
import { addPsamOptions, openPsam, type PsamOptions } from './psam-target.js';

export interface KeysOption extends PsamOptions {
  keys?: string;
}

/**
 * Where the terminal's keys are: `--keys FILE` (a key file: emulator/README.md), `--keys sample`
 * for the emulated card's published test keys (with `--emulator` and nothing else given, the
 * default), or a PSAM: `--psam <reader>`, `--psam-emulator`.
 */
export function addKeysOption(command: Command, why: string): Command {
  return addPsamOptions(
    command.option(
      '--keys <file>',
      `key file (JSON) ${why}; "sample" = the emulated card's published test keys (the default with --emulator); "none" = act as a terminal without keys`,
    ),
  );
}

/** The key file `--keys` names, or the emulated card's test keys; undefined for none. */
export function keyFilePath(target: CardTarget, option: string | undefined): string | undefined {
  if (option === 'none') return undefined;
  const file = option === undefined || option === 'sample' ? target.sampleKeysFile : option;
  if (option === 'sample' && file === undefined) {
    throw new InputError('keys', '--keys sample works with --emulator and a shipped profile only');
  }
  return file;
}

/**
 * The keys the command was given — a PSAM, a key file — or the emulated card's test keys; undefined
 * when there are none. A PSAM stays open until the card is released.
 */
export async function optionalKeys(target: CardTarget, options: KeysOption): Promise<KeyProvider | undefined> {
  const psam = await optionalPsamKeys(target, options);
  if (psam !== undefined) return psam;
  const file = keyFilePath(target, options.keys);
  if (file === undefined) return undefined;
  // Key derivation code loads when keys are needed, not at every start-up.
  const { SoftwareKeyProvider } = await import('../applications/keys/software-key-provider.js');
  return SoftwareKeyProvider.fromFile(file);
}

export async function loadKeys(target: CardTarget, options: KeysOption): Promise<KeyProvider> {
  const keys = await optionalKeys(target, options);
  if (keys === undefined)
    throw new InputError('keys', 'this operation needs the terminal keys: give --keys FILE, --psam <reader> or --psam-emulator');
  return keys;
}

async function optionalPsamKeys(target: CardTarget, options: KeysOption): Promise<KeyProvider | undefined> {
  const psam = await psamFor(target, options);
  if (psam === undefined) return undefined;
  const { PsamKeyProvider } = await import('../applications/psam/psam-key-provider.js');
  return new PsamKeyProvider(psam);
}

/**
 * The PSAM `--psam <reader>` or `--psam-emulator` names, opened for as long as `target` is
 * (PsamKeyProvider, PsamPurchaseSecurity work on it); undefined when the keys come from elsewhere.
 */
export async function psamFor(target: CardTarget, options: KeysOption): Promise<PsamSession | undefined> {
  if (options.psam === undefined && !options.psamEmulator) return undefined;
  if (options.psam !== undefined && options.psamEmulator) throw new InputError('psam', '--psam and --psam-emulator exclude each other');
  if (options.keys !== undefined) throw new InputError('keys', '--keys and a PSAM exclude each other: the PSAM holds the keys');
  const psam = await openPsam(options.psamEmulator ? { emulator: true } : { reader: options.psam! });
  target.defer(() => psam.target.close());
  return psam.session;
}

/** The card-target options plus PIN input options, for SSSE commands. */
export function addSocialSecurityOptions(command: Command, withPin: boolean): Command {
  addCardTargetOptions(command);
  if (withPin) {
    command
      .option('--pin-stdin', 'read the PIN(s) from standard input, one per line (for scripts)')
      .option('--pin <pin>', 'the PIN on the command line (visible to other users of this machine: prefer --pin-stdin)');
  }
  return command;
}

/** Opens the card and its SSSE application, runs `body`, and releases the card. */
export function withSocialSecurity<T>(
  options: CardTargetOptions,
  body: (session: SocialSecuritySession, target: CardTarget) => Promise<T>,
  open: Omit<SocialSecurityOpenOptions, 'atr'> = {},
): Promise<T> {
  return withCardTarget(options, async (target) => {
    // The SSSE application (and its crypto) loads when a card command runs, not at every start-up.
    const { SocialSecuritySession } = await import('../applications/social-security/social-security-session.js');
    return body(await SocialSecuritySession.open(target.channel, { ...open, atr: target.atr }), target);
  });
}
