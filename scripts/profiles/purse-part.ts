import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';

/** The purse application's files and keys; not built yet (see the issue tracker). */
export function pursePart(_card: CardIdentity): ProfilePart | undefined {
  return undefined;
}
