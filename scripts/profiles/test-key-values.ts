import { createHash } from 'node:crypto';

/**
 * Deterministic test master keys: the first 16 bytes of SM3("sscard test key/<set>/<name>").
 * Anyone can recompute them, which is the point: they are published test keys.
 */
export function testMasterKey(set: string, name: string): string {
  return createHash('sm3').update(`sscard test key/${set}/${name}`).digest('hex').slice(0, 32).toUpperCase();
}

/** Deterministic filler bytes (for sample fingerprint templates and the like). */
export function testBytes(label: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length * 2; i++) out += createHash('sm3').update(`${label}/${i}`).digest('hex');
  return out.slice(0, length * 2).toUpperCase();
}
