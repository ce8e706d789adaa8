import { fromHex, toHex } from '../src/bytes/hex.js';
import { diversifyKey } from './card-crypto.js';
import type { KeyAlgorithm, KeyProfile, KeyUsage } from './card-profile.js';

/** A key as the running card holds it: value resolved (diversified at load), error counter live. */
export interface CardKey {
  readonly id: number;
  readonly usage: KeyUsage;
  readonly algorithm: KeyAlgorithm;
  readonly version: number;
  readonly value: Uint8Array;
  readonly ownerId: string;
  /** undefined: no error counter. */
  readonly errorLimit: number | undefined;
  errorsLeft: number | undefined;
  /** Key of this key in the state file and the security status. */
  readonly stateKey: string;
}

export function resolveKey(profile: KeyProfile, ownerId: string, atr: Uint8Array): CardKey {
  let value: Uint8Array;
  if (profile.value !== undefined) {
    value = fromHex(profile.value);
  } else {
    const spec = profile.diversified!;
    value = fromHex(spec.master);
    for (const factor of spec.factors) value = diversifyKey(profile.algorithm, value, diversificationFactor(factor, atr));
  }
  const id = Number.parseInt(profile.id, 16);
  return {
    id,
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

/** "atr-last8", "ascii:330300sx" or 8 bytes of hex (validated by the profile loader). */
export function diversificationFactor(spec: string, atr: Uint8Array): Uint8Array {
  if (spec === 'atr-last8') {
    const out = new Uint8Array(8);
    const tail = atr.subarray(Math.max(0, atr.length - 8));
    out.set(tail, 8 - tail.length);
    return out;
  }
  if (spec.startsWith('ascii:')) return new TextEncoder().encode(spec.slice(6));
  return fromHex(spec);
}
