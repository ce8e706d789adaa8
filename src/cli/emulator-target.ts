import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { SscardError } from '../errors.js';
import type { CardTransport } from '../transport/card-transport.js';

// The card `--emulator` means when no --profile is given. The default social security card does
// not exist yet; point this at it (e.g. 'default') when it lands.
const DEFAULT_PROFILE = 'test-minimal';

const here = dirname(fileURLToPath(import.meta.url));
// From src/cli and from dist/src/cli (the package ships emulator/profiles at its root).
const PROFILE_DIRS = [resolve(here, '../../emulator/profiles'), resolve(here, '../../../emulator/profiles')];

/** `--emulator [--profile P] [--state FILE]`: the in-process emulator as a transport. */
export function emulatorTarget(options: { profile?: string; state?: string } = {}): CardTransport {
  const profile = resolveProfile(options.profile ?? DEFAULT_PROFILE);
  const card = openCard({ profile, ...(options.state === undefined ? {} : { state: options.state }) });
  return new EmulatorTransport(card);
}

/** A profile file, or the name of one in emulator/profiles. */
function resolveProfile(profile: string): string {
  if (existsSync(profile) && profile.endsWith('.json')) return profile;
  const file = profile.endsWith('.json') ? profile : `${profile}.json`;
  for (const dir of PROFILE_DIRS) if (existsSync(join(dir, file))) return join(dir, file);
  throw new SscardError('EPROFILE', `no card profile "${profile}" (neither a .json file nor a name in emulator/profiles)`);
}
