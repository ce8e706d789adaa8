import type { Command } from 'commander';
import type { PsamSession } from '../applications/psam/psam-session.js';
import type { CardTarget, CardTargetOptions } from './card-target.js';
import { openCardTarget } from './card-target.js';

/** The emulated PSAM `--psam-emulator` and `sscard psam info --emulator` mean: it holds the default card's key roots. */
export const EMULATED_PSAM_PROFILE = 'psam-default';

export interface PsamOptions {
  psam?: string;
  psamEmulator?: boolean;
}

/** `--psam <reader>` / `--psam-emulator`: the terminal's keys are in a PSAM instead of a key file. */
export function addPsamOptions(command: Command): Command {
  return command
    .option('--psam <reader>', 'the PSAM holding the keys: a PC/SC reader (exact name or a part of it), instead of --keys')
    .option('--psam-emulator', `the emulated PSAM (${EMULATED_PSAM_PROFILE}) holding the keys, instead of --keys`);
}

/**
 * Opens a PSAM (a PC/SC reader, or the emulated `psam-default` unless `profile` names another) and
 * its session: environment files read, DF01 selected.
 */
export async function openPsam(options: CardTargetOptions): Promise<{ target: CardTarget; session: PsamSession }> {
  const target = await openCardTarget(options.emulator ? { ...options, profile: options.profile ?? EMULATED_PSAM_PROFILE } : options);
  try {
    const { PsamSession } = await import('../applications/psam/psam-session.js');
    return { target, session: await PsamSession.open(target.channel) };
  } catch (error) {
    await target.close();
    throw error;
  }
}
