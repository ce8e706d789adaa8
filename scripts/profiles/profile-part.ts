import type { DedicatedFileProfile, ElementaryFileProfile } from '../../emulator/card-profile.js';
import type { CardKeyFile, MasterKeyEntry } from '../../src/applications/keys/key-file.js';
import type { CardIdentity } from './card-identity.js';

/**
 * One application's contribution to a card profile: the DFs/EFs it adds under the MF, and the
 * test master keys a terminal (the SDK's software key provider) needs to talk to it.
 */
export interface ProfilePart {
  /** Key set name in <profile>.keys.json, e.g. "ssse", "pki", "pboc", "purse". */
  name: string;
  /** MF children this application adds. */
  files: Array<DedicatedFileProfile | ElementaryFileProfile>;
  /** Master keys by name (key id or role), written to emulator/profiles/<profile>.keys.json. */
  masterKeys?: Record<string, MasterKeyEntry>;
  /** Top-level fields of the key file (the social security keys: `algorithm`, `keys`). */
  keyFile?: Pick<CardKeyFile, 'algorithm' | 'keys'>;
}

export type ProfilePartBuilder = (card: CardIdentity) => ProfilePart | undefined;
