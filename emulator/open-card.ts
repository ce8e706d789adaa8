import { STANDARD_APPLICATIONS } from './applications/standard-applications.js';
import { CardEmulator, type CardEmulatorOptions } from './card-emulator.js';
import type { CardProfile } from './card-profile.js';
import { loadProfile } from './profile-loader.js';
import { resolveProfilePath } from './profile-paths.js';
import { FileStateStore, MemoryStateStore } from './state-store.js';

export interface OpenCardOptions extends Omit<CardEmulatorOptions, 'profile' | 'store'> {
  /** Path of a profile JSON file, the name of a shipped profile ("default", "ss-2.00"), or a profile already loaded. */
  profile: string | CardProfile;
  /** Path of the state file (created from the profile when missing); omitted: state in memory. */
  state?: string;
}

/** Profile + state file → a card ready to power on. */
export function openCard(options: OpenCardOptions): CardEmulator {
  const { profile, state, ...rest } = options;
  return new CardEmulator({
    applications: STANDARD_APPLICATIONS,
    ...rest,
    profile: typeof profile === 'string' ? loadProfile(resolveProfilePath(profile)) : profile,
    store: state === undefined ? new MemoryStateStore() : new FileStateStore(state),
  });
}
