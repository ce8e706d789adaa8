import { readFile } from 'node:fs/promises';
import { fromHex } from '../../bytes/hex.js';
import { DIVERSIFICATION_LEVELS, type DiversificationLevel } from '../../crypto/card-key-factors.js';
import { InputError, SscardError } from '../../errors.js';

/**
 * The key file a terminal's software key provider (and a QA script or an independent checker)
 * reads — for the emulator's sample cards `emulator/profiles/<card>.keys.json`:
 *
 * ```json
 * { "testKeys": true, "algorithm": "sm4",
 *   "keys": { "RKSSSE": { "df": "SSSE", "id": "0A", "master": "…", "levels": ["province", "city", "card"] } },
 *   "pboc": { "ac": { "algorithm": "sm4", "master": "…" } }, "purse": { … } }
 * ```
 *
 * `keys` holds the social security card's keys by their specification name (card-spec §4.2):
 * `master` is what an HSM or PSAM holds, `levels` the diversification levels applied to it, in
 * that order, to reach the card's own key. Other applications keep sections of their own
 * (`MasterKeyEntry` by key role).
 */
export interface SpecKeyFileEntry {
  /** Where the card holds the key: "SSSE" or "DF01"…"DF07". */
  df: string;
  /** The card's key id (hex byte), e.g. "0A". */
  id: string;
  /** Hex: 16 bytes, or 8 for a single-length DES key (STK on DES cards). */
  master: string;
  levels: DiversificationLevel[];
}

/** The social security keys' cipher family: `3des` covers the DES cards' single-length keys too. */
export type CardKeyFamily = '3des' | 'sm4';

/** A key of another application's section, by role ("ac", "load", "purchase"…). */
export interface MasterKeyEntry {
  algorithm: CardKeyFamily;
  /** 16-byte master key, hex. */
  master: string;
}

export interface CardKeyFile {
  testKeys?: boolean;
  warning?: string;
  algorithm?: CardKeyFamily;
  keys?: Record<string, SpecKeyFileEntry>;
  [application: string]: unknown;
}

export interface ParsedSpecKey {
  name: string;
  df: string;
  id: number;
  master: Uint8Array;
  levels: DiversificationLevel[];
}

export interface ParsedKeyFile {
  algorithm: CardKeyFamily | undefined;
  specKeys: Map<string, ParsedSpecKey>;
  /** Other applications' keys by `<section>/<role>`. */
  applicationKeys: Map<string, { algorithm: CardKeyFamily; master: Uint8Array }>;
}

const RESERVED = new Set(['testKeys', 'warning', 'algorithm', 'keys']);

/** Validates a key file; every problem is an InputError naming the entry. */
export function parseKeyFile(file: CardKeyFile): ParsedKeyFile {
  const fail = (where: string, message: string): never => {
    throw new InputError('keys', `${where}: ${message}`);
  };
  if (typeof file !== 'object' || file === null || Array.isArray(file)) fail('key file', 'must be a JSON object');
  const algorithm = file.algorithm;
  if (algorithm !== undefined && algorithm !== 'sm4' && algorithm !== '3des') fail('algorithm', 'must be "sm4" or "3des"');
  const specKeys = new Map<string, ParsedSpecKey>();
  for (const [name, entry] of Object.entries(file.keys ?? {})) {
    const where = `keys.${name}`;
    if (algorithm === undefined) fail('algorithm', 'is required with "keys"');
    if (typeof entry !== 'object' || entry === null) fail(where, 'must be an object');
    if (typeof entry.df !== 'string' || !/^(SSSE|DF0[1-7])$/.test(entry.df)) fail(`${where}.df`, 'must be "SSSE" or "DF01"…"DF07"');
    if (typeof entry.id !== 'string' || !/^[0-9A-Fa-f]{2}$/.test(entry.id)) fail(`${where}.id`, 'must be one hex byte');
    const master = fromHex(String(entry.master), `${where}.master`);
    if (master.length !== 16 && !(master.length === 8 && algorithm === '3des')) {
      fail(`${where}.master`, `must be 16 bytes${algorithm === '3des' ? ' (or 8 for a single-length DES key)' : ''}, got ${master.length}`);
    }
    if (!Array.isArray(entry.levels) || entry.levels.some((l) => !DIVERSIFICATION_LEVELS.includes(l))) {
      fail(`${where}.levels`, 'must list levels among "province", "city", "card"');
    }
    specKeys.set(name, { name, df: entry.df, id: Number.parseInt(entry.id, 16), master, levels: entry.levels });
  }
  const applicationKeys = new Map<string, { algorithm: CardKeyFamily; master: Uint8Array }>();
  for (const [section, set] of Object.entries(file)) {
    if (RESERVED.has(section)) continue;
    if (typeof set !== 'object' || set === null) fail(section, 'must be an object of keys');
    for (const [role, entry] of Object.entries(set as Record<string, MasterKeyEntry>)) {
      const where = `${section}.${role}`;
      if (entry.algorithm !== '3des' && entry.algorithm !== 'sm4') fail(where, 'algorithm must be 3des or sm4');
      const master = fromHex(entry.master, `key ${where}`);
      if (master.length !== 16) fail(where, `must be 16 bytes, got ${master.length}`);
      applicationKeys.set(`${section}/${role}`, { algorithm: entry.algorithm, master });
    }
  }
  return { algorithm, specKeys, applicationKeys };
}

export async function readKeyFile(path: string): Promise<ParsedKeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InputError('keys', `cannot read the key file ${path}`);
  }
  try {
    return parseKeyFile(JSON.parse(text) as CardKeyFile);
  } catch (error) {
    if (error instanceof SscardError) throw error;
    throw new InputError('keys', `the key file ${path} is not valid JSON`);
  }
}
