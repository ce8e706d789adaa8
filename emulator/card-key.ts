import { decodeAtr } from '../src/apdu/atr.js';
import { fromHex, toHex } from '../src/bytes/hex.js';
import { cardFactor } from '../src/crypto/card-key-factors.js';
import { diversifyCardKeyLevels } from '../src/crypto/card-security.js';
import type { KeyAlgorithm, KeyProfile, KeyUsage } from './card-profile.js';

/** A key as the running card holds it: value resolved (diversified at load), try counter live. */
export interface CardKey {
  readonly id: number;
  /** The specification's name (IRK, STK, PUK…), when the profile gives it. */
  readonly name: string | undefined;
  readonly usage: KeyUsage;
  readonly algorithm: KeyAlgorithm;
  readonly version: number;
  readonly value: Uint8Array;
  readonly ownerId: string;
  /** undefined: no try counter. */
  readonly errorLimit: number | undefined;
  errorsLeft: number | undefined;
  /** Key of this key in the state file and the security status. */
  readonly stateKey: string;
}

/** `atr`: the contact ATR, whose historical bytes T6…TD are the card factor. */
export function resolveKey(profile: KeyProfile, ownerId: string, atr: Uint8Array): CardKey {
  let value: Uint8Array;
  if (profile.value !== undefined) {
    value = fromHex(profile.value);
  } else {
    const spec = profile.diversified!;
    value = diversifyCardKeyLevels(
      profile.algorithm,
      fromHex(spec.master),
      spec.factors.map((f) => profileFactorBytes(f, atr)),
    );
  }
  const id = Number.parseInt(profile.id, 16);
  return {
    id,
    name: profile.name,
    usage: profile.usage,
    algorithm: profile.algorithm,
    version: profile.version ?? 1,
    value,
    ownerId,
    errorLimit: profile.errorLimit,
    errorsLeft: profile.errorLimit,
    stateKey: `${ownerId}#${toHex(Uint8Array.of(id))}:${profile.usage}`,
  };
}

/** "card", "ascii:330300sx" or 8 bytes of hex (validated by the profile loader). */
export function profileFactorBytes(spec: string, atr: Uint8Array): Uint8Array {
  if (spec === 'card') return cardFactor(decodeAtr(atr).historicalBytes);
  if (spec.startsWith('ascii:')) return new TextEncoder().encode(spec.slice(6));
  return fromHex(spec);
}
