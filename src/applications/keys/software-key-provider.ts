import { concatBytes, wipe } from '../../bytes/bytes.js';
import type {
  AuthenticationDataRequest,
  CardKeyRequest,
  KeyProvider,
  ProtectCommandRequest,
  ProtectedCommandData,
} from '../../channel/key-provider.js';
import { diversificationFactors } from '../../crypto/card-key-factors.js';
import {
  authenticationData,
  type CardKeyCipher,
  diversifyCardKeyLevels,
  encryptDataField,
  secureMessagingMac,
} from '../../crypto/card-security.js';
import { des3EncryptEcb } from '../../crypto/des.js';
import { diversifyPath } from '../../crypto/key-derivation.js';
import { sm4EncryptEcb } from '../../crypto/sm4.js';
import { InputError, SscardError } from '../../errors.js';
import type { ApplicationKeyProvider, KeyReference } from './application-key-provider.js';
import { type CardKeyFamily, type CardKeyFile, type ParsedKeyFile, parseKeyFile, readKeyFile } from './key-file.js';

export class KeyNotFoundError extends SscardError {
  constructor(what: string) {
    super('EINPUT', `no key ${what} in the key set`);
  }
}

/**
 * Master keys held in memory, from a key file (key-file.ts): for tests, the emulator's sample
 * cards, QA work and the software HSM. A PSAM or an HSM implements the same interfaces without
 * ever exposing a key; this one wipes every derived key after use.
 */
export class SoftwareKeyProvider implements KeyProvider, ApplicationKeyProvider {
  private readonly file: ParsedKeyFile;

  constructor(file: CardKeyFile | ParsedKeyFile) {
    this.file = 'specKeys' in file && file.specKeys instanceof Map ? (file as ParsedKeyFile) : parseKeyFile(file as CardKeyFile);
  }

  static async fromFile(path: string): Promise<SoftwareKeyProvider> {
    return new SoftwareKeyProvider(await readKeyFile(path));
  }

  // --- the social security card's security layer -------------------------------------------------

  async authenticationData(request: AuthenticationDataRequest): Promise<Uint8Array> {
    const { cipher, key } = this.cardKey(request);
    try {
      return authenticationData(cipher, key, request.processFactor, request.original);
    } finally {
      wipe(key);
    }
  }

  async protectCommand(request: ProtectCommandRequest): Promise<ProtectedCommandData> {
    const { cipher, key } = this.cardKey(request);
    try {
      const data =
        request.plaintext !== undefined
          ? encryptDataField(cipher, key, request.processFactor, request.plaintext)
          : (request.clearData ?? new Uint8Array(0));
      return { data, mac: secureMessagingMac(cipher, key, request.processFactor, concatBytes(request.header, data)) };
    } finally {
      wipe(key);
    }
  }

  /**
   * Runs `use` with the card's key `name` (e.g. DPK, DLK, DTK for the medical purse's software
   * security module) and wipes the key afterwards.
   */
  withCardKey<T>(
    name: string,
    algorithm: CardKeyRequest['algorithm'],
    card: CardKeyRequest['card'],
    use: (cipher: CardKeyCipher, key: Uint8Array) => T,
  ): T {
    const { cipher, key } = this.cardKey({ key: name, algorithm, card });
    try {
      return use(cipher, key);
    } finally {
      wipe(key);
    }
  }

  /** The card's key: the master diversified with the card's factors at the key's levels. */
  private cardKey(request: Omit<CardKeyRequest, 'processFactor'>): { cipher: CardKeyCipher; key: Uint8Array } {
    const entry = this.file.specKeys.get(request.key);
    if (entry === undefined) throw new KeyNotFoundError(`"${request.key}"`);
    if (this.file.algorithm !== request.algorithm) {
      throw new InputError('keys', `the card uses ${request.algorithm}, the key file holds ${this.file.algorithm} keys`);
    }
    const cipher: CardKeyCipher = entry.master.length === 8 ? 'des' : request.algorithm;
    return { cipher, key: diversifyCardKeyLevels(cipher, entry.master, diversificationFactors(entry.levels, request.card)) };
  }

  // --- other applications (PBOC, transport purse) ------------------------------------------------

  async algorithm(ref: KeyReference): Promise<CardKeyFamily> {
    return this.applicationEntry(ref).algorithm;
  }

  async encrypt(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array> {
    const e = this.applicationEntry(ref);
    // diversifyPath returns the master itself for no factors: copy so wiping never hurts the master.
    const key = factors.length === 0 ? e.master.slice() : diversifyPath(e.master, factors, e.algorithm);
    try {
      return e.algorithm === 'sm4' ? sm4EncryptEcb(key, data) : des3EncryptEcb(key, data);
    } finally {
      wipe(key);
    }
  }

  private applicationEntry(ref: KeyReference) {
    const e = this.file.applicationKeys.get(`${ref.application}/${ref.name}`);
    if (!e) throw new KeyNotFoundError(`"${ref.name}" for the ${ref.application} application`);
    return e;
  }
}
