import { STANDARD_APPLICATIONS } from './applications/standard-applications.js';
import { CardEmulator, type CardEmulatorOptions } from './card-emulator.js';
import type { CardProfile } from './card-profile.js';
import { loadProfile } from './profile-loader.js';
import { resolveProfilePath } from './profile-paths.js';
import { FileStateStore, MemoryStateStore, type StateStore } from './state-store.js';

export interface OpenCardOptions extends Omit<CardEmulatorOptions, 'profile' | 'store'> {
  /** Path of a profile JSON file, the name of a shipped profile ("default", "ss-2.00"), or a profile already loaded. */
  profile: string | CardProfile;
  /** Path of the state file (created from the profile when missing); omitted: state in memory. */
  state?: string;
  /** How long to wait for another process holding the state file, in ms (default 10 s). */
  stateWaitMs?: number;
  /**
   * A store already open, instead of `state`: several emulators of one card share it (one per
   * interface of a dual reader), each loading what the last one saved.
   */
  store?: StateStore;
}

/** Profile + state file → a card ready to power on. */
export function openCard(options: OpenCardOptions): CardEmulator {
  const { profile, state, stateWaitMs, store: shared, ...rest } = options;
  // The profile is loaded first: a bad profile is reported without touching the state file.
  const loaded = typeof profile === 'string' ? loadProfile(resolveProfilePath(profile)) : profile;
  const store: StateStore =
    shared ??
    (state === undefined ? new MemoryStateStore() : new FileStateStore(state, stateWaitMs === undefined ? {} : { waitMs: stateWaitMs }));
  try {
    return new CardEmulator({ applications: STANDARD_APPLICATIONS, ...rest, profile: loaded, store });
  } catch (error) {
    // A state file that does not fit the profile: the lock is not kept for a card that never opened.
    if (shared === undefined) store.close?.();
    throw error;
  }
}
