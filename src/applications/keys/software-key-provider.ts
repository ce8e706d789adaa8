import { readFile } from 'node:fs/promises';
import { wipe } from '../../bytes/bytes.js';
import { fromHex } from '../../bytes/hex.js';
import { des3EncryptEcb } from '../../crypto/des.js';
import { diversifyPath } from '../../crypto/key-derivation.js';
import { pbocMac3des, sm4SecureMessagingMac } from '../../crypto/mac.js';
import { sm4EncryptEcb } from '../../crypto/sm4.js';
import { InputError, SscardError } from '../../errors.js';
import type { KeyAlgorithm, KeyProvider, KeyReference } from './key-provider.js';

/** A master key as a key file holds it. */
export interface MasterKeyEntry {
  algorithm: KeyAlgorithm;
  /** 16-byte master key, hex. */
  master: string;
}

/** `{ "ssse": { "0A": { "algorithm": "sm4", "master": "…" } }, … }` — the format of `--keys` files. */
export type MasterKeyFile = Record<string, unknown>;

export class KeyNotFoundError extends SscardError {
  constructor(ref: KeyReference) {
    super('EINPUT', `no key "${ref.name}" for the ${ref.application} application in the key set`);
  }
}

/**
 * Master keys held in memory: for tests, the emulator's sample cards and bench work. A PSAM or
 * HSM implements the same interface without ever exposing a key.
 */
export class SoftwareKeyProvider implements KeyProvider {
  private readonly keys = new Map<string, { algorithm: KeyAlgorithm; master: Uint8Array }>();

  constructor(file: MasterKeyFile) {
    for (const [application, set] of Object.entries(file)) {
      if (typeof set !== 'object' || set === null) continue; // "testKeys": true, "warning": "…"
      for (const [name, entry] of Object.entries(set as Record<string, MasterKeyEntry>)) {
        if (entry.algorithm !== '3des' && entry.algorithm !== 'sm4') {
          throw new InputError('keys', `key ${application}.${name}: algorithm must be 3des or sm4`);
        }
        const master = fromHex(entry.master, `key ${application}.${name}`);
        if (master.length !== 16) throw new InputError('keys', `key ${application}.${name}: must be 16 bytes, got ${master.length}`);
        this.keys.set(`${application}/${name}`, { algorithm: entry.algorithm, master });
      }
    }
  }

  static async fromFile(path: string): Promise<SoftwareKeyProvider> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new InputError('keys', `cannot read the key file ${path}`);
    }
    try {
      return new SoftwareKeyProvider(JSON.parse(text) as MasterKeyFile);
    } catch (error) {
      if (error instanceof SscardError) throw error;
      throw new InputError('keys', `the key file ${path} is not valid JSON`);
    }
  }

  async algorithm(ref: KeyReference): Promise<KeyAlgorithm> {
    return this.entry(ref).algorithm;
  }

  async encrypt(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array> {
    const { algorithm, key } = this.cardKey(ref, factors);
    try {
      return algorithm === 'sm4' ? sm4EncryptEcb(key, data) : des3EncryptEcb(key, data);
    } finally {
      wipe(key);
    }
  }

  async commandMac(ref: KeyReference, factors: Uint8Array[], iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const { algorithm, key } = this.cardKey(ref, factors);
    try {
      if (algorithm === 'sm4') return sm4SecureMessagingMac(key, iv, data);
      // The card zero-extends a shorter challenge to one block.
      const iv8 = new Uint8Array(8);
      iv8.set(iv.subarray(0, 8));
      return pbocMac3des(key, iv8, data);
    } finally {
      wipe(key);
    }
  }

  private entry(ref: KeyReference) {
    const e = this.keys.get(`${ref.application}/${ref.name}`);
    if (!e) throw new KeyNotFoundError(ref);
    return e;
  }

  private cardKey(ref: KeyReference, factors: Uint8Array[]): { algorithm: KeyAlgorithm; key: Uint8Array } {
    const e = this.entry(ref);
    // diversifyPath returns the master itself for no factors: copy so wiping never hurts the master.
    const key = factors.length === 0 ? e.master.slice() : diversifyPath(e.master, factors, e.algorithm);
    return { algorithm: e.algorithm, key };
  }
}
