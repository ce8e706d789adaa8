import { wipe } from '../../bytes/bytes.js';
import { type EpurseAlgorithm, epurseMac, epurseTacKey } from '../../crypto/epurse-mac.js';
import { diversifyPath } from '../../crypto/key-derivation.js';
import { padIso9797M2 } from '../../crypto/padding.js';
import { InputError } from '../../errors.js';
import type { ApplicationKeyProvider, KeyReference } from '../keys/application-key-provider.js';
import { type CardKeyFamily, type CardKeyFile, type ParsedKeyFile, parseKeyFile, readKeyFile } from '../keys/key-file.js';
import { SoftwareKeyProvider } from '../keys/software-key-provider.js';

/** Purse keys in a key set: DLK "load", DPK "purchase", DTK "tac"; key index n ≠ 1 adds "-0n". */
export type PurseKeyUsage = 'load' | 'purchase' | 'tac';

export function purseKeyRef(usage: PurseKeyUsage, keyIndex: number): KeyReference {
  const name = keyIndex === 1 ? usage : `${usage}-${keyIndex.toString(16).padStart(2, '0').toUpperCase()}`;
  return { application: 'purse', name };
}

/**
 * The TAC needs the DTK folded (left ⊕ right half) under single DES, which no ECB encryption under
 * the DTK can give; so TAC checks go through this extra operation. A PSAM/HSM that checks TACs
 * implements it; a plain ApplicationKeyProvider cannot, and the session then reports the TAC unverified.
 */
export interface PurseTacProvider extends ApplicationKeyProvider {
  /** The 4-byte e-purse TAC over `data` under the per-card DTK (`ref` diversified by `factors`). */
  purseTac(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array>;
}

export function canComputeTac(keys: ApplicationKeyProvider): keys is PurseTacProvider {
  return typeof (keys as Partial<PurseTacProvider>).purseTac === 'function';
}

/** Load session key = E(DLK, rand ‖ onlineATC ‖ 80 00) (3DES; SM4 pads to 16), computed by the provider. */
export async function loadSessionKey(
  keys: ApplicationKeyProvider,
  keyIndex: number,
  asn8: Uint8Array,
  random: Uint8Array,
  onlineAtc: number,
  algorithm: EpurseAlgorithm,
): Promise<Uint8Array> {
  const input = padIso9797M2(Uint8Array.of(...random, onlineAtc >> 8, onlineAtc & 0xff), algorithm === '3des' ? 8 : 16);
  return keys.encrypt(purseKeyRef('load', keyIndex), [asn8], input);
}

/** Purchase session key = E(DPK, rand ‖ offlineATC ‖ last 2 bytes of the terminal sequence) (SM4 pads to 16). */
export async function purchaseSessionKey(
  keys: ApplicationKeyProvider,
  keyIndex: number,
  asn8: Uint8Array,
  random: Uint8Array,
  offlineAtc: number,
  terminalSeq: number,
  algorithm: EpurseAlgorithm,
): Promise<Uint8Array> {
  const input = Uint8Array.of(...random, offlineAtc >> 8, offlineAtc & 0xff, (terminalSeq >> 8) & 0xff, terminalSeq & 0xff);
  return keys.encrypt(purseKeyRef('purchase', keyIndex), [asn8], algorithm === '3des' ? input : padIso9797M2(input, 16));
}

/**
 * A software SAM for tests and the sample cards: the SoftwareKeyProvider (same key file) plus the
 * purse TAC. Never for real cards: it holds master keys in memory.
 */
export class SoftwarePurseSam extends SoftwareKeyProvider implements PurseTacProvider {
  private readonly tacMasters = new Map<string, { algorithm: CardKeyFamily; master: Uint8Array }>();

  constructor(file: CardKeyFile | ParsedKeyFile) {
    const parsed = 'specKeys' in file && file.specKeys instanceof Map ? (file as ParsedKeyFile) : parseKeyFile(file as CardKeyFile);
    super(parsed);
    for (const [id, entry] of parsed.applicationKeys) if (id.startsWith('purse/')) this.tacMasters.set(id.slice(6), entry);
  }

  static override async fromFile(path: string): Promise<SoftwarePurseSam> {
    return new SoftwarePurseSam(await readKeyFile(path));
  }

  async purseTac(ref: KeyReference, factors: Uint8Array[], data: Uint8Array): Promise<Uint8Array> {
    const entry = ref.application === 'purse' ? this.tacMasters.get(ref.name) : undefined;
    if (entry === undefined) throw new InputError('keys', `no key "${ref.name}" for the ${ref.application} application in the key set`);
    const master = entry.master.slice();
    const dtk = diversifyPath(master, factors, entry.algorithm);
    const tacKey = epurseTacKey(dtk, entry.algorithm);
    try {
      return epurseMac(tacKey, data);
    } finally {
      wipe(master);
      wipe(dtk);
      wipe(tacKey);
    }
  }
}
