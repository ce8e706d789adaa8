import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileError } from './profile-error.js';

/** The card `--emulator` means when no profile is named: the third-generation default card. */
export const DEFAULT_PROFILE_NAME = 'default';

const here = dirname(fileURLToPath(import.meta.url));
// emulator/profiles from the sources, and from dist/emulator in an installed package.
const CANDIDATE_DIRS = [join(here, 'profiles'), resolve(here, '../../emulator/profiles')];

/** The folder holding the shipped profiles. */
export function profilesDir(): string {
  const dir = CANDIDATE_DIRS.find((d) => existsSync(d));
  if (!dir)
    throw new ProfileError('emulator/profiles', '', `the shipped card profiles are missing (looked in ${CANDIDATE_DIRS.join(', ')})`);
  return dir;
}

/** Names of the shipped profiles, e.g. ["default", "ss-1.00", "ss-2.00", "test-minimal"]. */
export function shippedProfileNames(): string[] {
  return readdirSync(profilesDir())
    .filter((f) => f.endsWith('.json') && !f.endsWith('.keys.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The test master keys of a shipped profile (`<name>.keys.json`), for the SDK's SoftwareKeyProvider. */
export function profileKeysPath(profile: string = DEFAULT_PROFILE_NAME): string {
  return resolveProfilePath(profile).replace(/\.json$/, '.keys.json');
}

/** A profile file path, or the name of a shipped profile → the file to load. */
export function resolveProfilePath(profile: string = DEFAULT_PROFILE_NAME): string {
  if (profile.endsWith('.json') && existsSync(profile)) return profile;
  const named = join(profilesDir(), `${profile.replace(/\.json$/, '')}.json`);
  if (existsSync(named)) return named;
  throw new ProfileError(profile, '', `no such card profile: give a .json file or one of ${shippedProfileNames().join(', ')}`);
}
