import type { CommandApdu } from '../src/apdu/command-apdu.js';
import { constantTimeEqual } from '../src/bytes/bytes.js';
import { decryptDataField, SM_MAC_LENGTH, secureMessagingMac } from '../src/crypto/card-security.js';
import type { FileOperation } from './access-rule.js';
import type { CardKey } from './card-key.js';
import type { CardProfile, KeyUsage } from './card-profile.js';
import { captureState } from './card-state.js';
import { CardStatus, SW } from './card-status.js';
import { crashPoint } from './crash-point.js';
import type { DedicatedFile, ElementaryFile } from './file-system.js';
import type { PinObject } from './pin-object.js';
import { SecurityStatus } from './security-status.js';
import type { StateStore } from './state-store.js';

export type CardInterface = 'contact' | 'contactless';

/** Length of the MAC that secure-messaging commands carry at the end of their data. */
export const MAC_LENGTH = SM_MAC_LENGTH;

/**
 * Everything a command handler works with: the file tree, what is selected, the security status,
 * the last challenge, and `commit()` to make changes durable at a named point.
 */
export class CardContext {
  readonly security = new SecurityStatus();
  currentDf: DedicatedFile;
  currentEf: ElementaryFile | undefined;
  /** Index into currentEf.records of the current record, if any. */
  recordPointer: number | undefined;
  cardBlocked = false;
  /** Persistent free-form data of application handlers, by application name. */
  readonly applicationData: Record<string, unknown> = {};
  private challenge: Uint8Array | undefined;
  private dirty = false;

  constructor(
    readonly profile: CardProfile,
    readonly mf: DedicatedFile,
    readonly cardInterface: CardInterface,
    private readonly store: StateStore,
    readonly random: (length: number) => Uint8Array,
  ) {
    this.currentDf = mf;
  }

  /** T=0 rules apply on a T=0 contact card only; contactless (T=CL) behaves like T=1. */
  get usesT0(): boolean {
    return this.cardInterface === 'contact' && this.profile.protocol === 'T=0';
  }

  // --- selection -------------------------------------------------------------------------------

  /** Makes `df` current; a different DF loses the security status (ISO 7816-4 §5.4). */
  selectDf(df: DedicatedFile): void {
    if (df !== this.currentDf) {
      this.security.clear();
      // P5 §6.9: a random is usable only in the application that issued it.
      this.challenge = undefined;
    }
    this.currentDf = df;
    this.currentEf = undefined;
    this.recordPointer = undefined;
  }

  selectEf(ef: ElementaryFile): void {
    if (ef.parent !== this.currentDf) this.selectDf(ef.parent);
    if (ef !== this.currentEf) this.recordPointer = undefined;
    this.currentEf = ef;
  }

  /** Power-on or reset: MF current, nothing proven, no challenge. */
  /** Set by CardEmulator: runs the onSelect hook of the DF's application. */
  dfSelectedListener: ((df: DedicatedFile) => void) | undefined;

  /** SELECT calls this after making a DF current. */
  onDfSelected(df: DedicatedFile): void {
    this.dfSelectedListener?.(df);
  }

  resetVolatile(): void {
    this.security.clear();
    this.currentDf = this.mf;
    this.currentEf = undefined;
    this.recordPointer = undefined;
    this.challenge = undefined;
  }

  // --- lookups ---------------------------------------------------------------------------------

  /** PIN by reference, searched from the current DF up to the MF. */
  findPin(id: number): PinObject | undefined {
    for (const df of this.currentDf.lineage()) {
      const pin = df.pins.find((p) => p.id === id);
      if (pin !== undefined) return pin;
    }
    return undefined;
  }

  /** Key by id and usage, from the current DF up. `id` undefined: the first key with that usage. */
  findKey(usage: KeyUsage, id?: number): CardKey | undefined {
    for (const df of this.currentDf.lineage()) {
      const key = df.keys.find((k) => k.usage === usage && (id === undefined || k.id === id));
      if (key !== undefined) return key;
    }
    return undefined;
  }

  /** Key by its specification name (PUK, BK, LKDF04…), from the current DF up. */
  findKeyByName(name: string): CardKey | undefined {
    for (const df of this.currentDf.lineage()) {
      const key = df.keys.find((k) => k.name === name);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  /** The first usage in `usages` that has a key; else 6A88. */
  requireKey(usages: KeyUsage[], id?: number): CardKey {
    for (const usage of usages) {
      const key = this.findKey(usage, id);
      if (key !== undefined) return key;
    }
    throw new CardStatus(SW.REFERENCE_NOT_FOUND, `no ${usages.join('/')} key`);
  }

  // --- challenge ---------------------------------------------------------------------------------

  issueChallenge(challenge: Uint8Array): void {
    this.challenge = challenge;
  }

  /**
   * The card's current random (its last GET CHALLENGE answer), usable once (P5 §6.9); without one
   * the command fails with `missing` (6984 reference data invalid, or 6985 where a command says so).
   */
  takeChallenge(missing: number = SW.REFERENCE_DATA_UNUSABLE): Uint8Array {
    const challenge = this.challenge;
    this.challenge = undefined;
    if (challenge === undefined) throw new CardStatus(missing, 'no challenge: send GET CHALLENGE first');
    return challenge;
  }

  // --- access control and secure messaging ------------------------------------------------------

  /**
   * Checks the access rule of `ef` for `op` against the security status and returns the command
   * data to use. A command with secure messaging (CLA 04) has its MAC checked first, under the
   * DF's secure-messaging key (STK), and loses it (P5 §6.12–6.13, P7 §7.4).
   */
  authorize(ef: ElementaryFile, op: FileOperation, apdu: CommandApdu): Uint8Array {
    const rule = ef.access[op];
    const sm = isSecureMessagingCla(apdu.cla);
    // The rule may name its secure-messaging key; otherwise the application's STK.
    const macKeyId = rule.kind === 'conditions' ? rule.anyOf.find((c) => c.mac !== undefined)?.mac : undefined;
    const data = sm ? this.verifyMac(apdu, this.requireKey(['secure-messaging'], macKeyId)) : apdu.data;
    if (rule.kind === 'never') throw new CardStatus(SW.SECURITY_NOT_SATISFIED, `${op} never allowed`);
    if (rule.kind === 'free') return data;
    const met = rule.anyOf.filter((c) => this.pinSatisfied(c.pin) && this.keySatisfied(c.key) && (c.mac === undefined || sm));
    if (met.length === 0) throw new CardStatus(SW.SECURITY_NOT_SATISFIED, `${op} needs a PIN, a key or secure messaging`);
    return data;
  }

  private pinSatisfied(id: number | undefined): boolean {
    if (id === undefined) return true;
    const pin = this.findPin(id);
    return pin !== undefined && this.security.pinVerified(pin);
  }

  private keySatisfied(id: number | undefined): boolean {
    if (id === undefined) return true;
    const key = this.findKey('external-auth', id);
    return key !== undefined && this.security.keyAuthenticated(key);
  }

  /**
   * Checks the 4-byte MAC at the end of the command data (P4 §8.2) and returns the data without
   * it. MAC input: CLA INS P1 P2 Lc ‖ data (Lc as sent, counting the MAC); key: the session key of
   * `key` under the card's challenge (GET CHALLENGE just before, used once); IV zero.
   * No challenge → 6984; wrong MAC → 6988.
   */
  verifyMac(apdu: CommandApdu, key: CardKey, challenge: Uint8Array = this.takeChallenge(SW.REFERENCE_DATA_UNUSABLE)): Uint8Array {
    if (apdu.data.length < MAC_LENGTH) throw new CardStatus(SW.WRONG_LENGTH, 'no room for a MAC');
    const body = apdu.data.subarray(0, apdu.data.length - MAC_LENGTH);
    const mac = apdu.data.subarray(apdu.data.length - MAC_LENGTH);
    const expected = secureMessagingMac(key.algorithm, key.value, challenge, macInput(apdu));
    if (!constantTimeEqual(mac, expected)) throw new CardStatus(SW.SM_DATA_WRONG, 'MAC mismatch');
    return body;
  }

  /** Decrypts an encrypted data field (P4 §8.3) under the session key of `key`; malformed → 6A80. */
  decryptField(key: CardKey, challenge: Uint8Array, field: Uint8Array): Uint8Array {
    const plain = decryptDataField(key.algorithm, key.value, challenge, field);
    if (plain === undefined) throw new CardStatus(SW.WRONG_DATA, 'encrypted field malformed');
    return plain;
  }

  // --- persistence ---------------------------------------------------------------------------------

  /** How many state writes the card made: tells whether a command changed anything durable. */
  saves = 0;

  /** Something persistent changed; it is saved at the next commit (at the latest before the answer). */
  markDirty(): void {
    this.dirty = true;
  }

  /**
   * Saves now if anything changed, then passes the named crash point (tearing tests).
   * Handlers call it where the order of writes matters (PIN counter before comparing).
   */
  commit(point: string): void {
    if (this.dirty) {
      this.store.save(this.snapshot());
      this.dirty = false;
      this.saves++;
      crashPoint('state:saved');
    }
    crashPoint(point);
  }

  snapshot() {
    return captureState(this.profile.name, this.mf, this.cardBlocked, this.applicationData);
  }

  /** Application handlers' persistent data; call markDirty() after changing it. */
  applicationState<T>(name: string, initial: () => T): T {
    if (!(name in this.applicationData)) this.applicationData[name] = initial();
    return this.applicationData[name] as T;
  }
}

/** CLA with the proprietary/ISO secure-messaging bit (b3): 04, 0C, 84, 8C. */
export function isSecureMessagingCla(cla: number): boolean {
  return (cla & 0x04) !== 0;
}

/** CLA INS P1 P2 Lc ‖ data-without-MAC: what the MAC covers. */
export function macInput(apdu: CommandApdu): Uint8Array {
  const body = apdu.data.subarray(0, apdu.data.length - MAC_LENGTH);
  const lc = apdu.data.length;
  const lcBytes = lc <= 255 ? [lc] : [0, lc >> 8, lc & 0xff];
  const out = new Uint8Array(4 + lcBytes.length + body.length);
  out.set([apdu.cla, apdu.ins, apdu.p1, apdu.p2, ...lcBytes]);
  out.set(body, 4 + lcBytes.length);
  return out;
}
