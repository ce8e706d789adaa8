import { bytesToUint, uintToBytes } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import type { CardKey } from '../../card-key.js';
import { CardStatus, SW } from '../../card-status.js';
import type { ElementaryFile } from '../../file-system.js';

export const MEDICAL_APPLICATION = 'ssse-medical';

/** Status words of the medical purse (card-spec §6.15, §6.16). */
export const MEDICAL_SW = {
  INVALID_STATE: 0x6901,
  MAC_INVALID: 0x9302,
  INSUFFICIENT_BALANCE: 0x9401,
  COUNTER_AT_MAXIMUM: 0x9402,
  KEY_INDEX_NOT_SUPPORTED: 0x9403,
  PROOF_UNAVAILABLE: 0x9406,
} as const;

/** DF04 data object with the opening balance of the account (fen), like the transport purse's DF41. */
const OPENING_BALANCE_TAG = 0xdf41;
/** Year starting day before UPDATE STARTING DAY: 1 January (mmdd). */
const DEFAULT_STARTING_DAY = '0101';
const CARDHOLDER_PIN = 0x00;
/** DF04 EF08 (SFI 8): the cyclic transaction log, 28-byte records. */
const LOG_SFI = 8;
export const LOG_RECORD_LENGTH = 28;

/** The MAC and TAC of the last completed transaction of one type, for GET TRANSACTION PROOF. */
export interface TransactionProof {
  seq: number;
  mac: string;
  tac: string;
}

/**
 * The COS-internal amounts file of DF04 (card-spec §3.5) and the proofs of the last completed load
 * and purchase. Lives in the state file's `applications["ssse-medical"]`; every change is one state
 * write, so a torn transaction leaves all of it old or all of it new.
 */
export interface MedicalPurse {
  /** CIA (personal account) balance, fen. */
  balance: number;
  /** Annual self-pay total (SPIP) and pooling-fund total (SPFP) of `paymentYear`, fen. */
  spip: number;
  spfp: number;
  /** Payment (settlement) year yyyy; 0 before the first purchase. */
  paymentYear: number;
  /** Year starting day mmdd, 4 digits. */
  startingDay: string;
  /** Online (load) and offline (purchase) counters: the value the next INITIALIZE reports. */
  onlineSeq: number;
  offlineSeq: number;
  proofs: { load?: TransactionProof; purchase?: TransactionProof };
}

export function medicalPurse(ctx: CardContext): MedicalPurse {
  return ctx.applicationState<MedicalPurse>(MEDICAL_APPLICATION, () => {
    const opening = ctx.currentDf.dataObjects.get(OPENING_BALANCE_TAG);
    return {
      balance: opening === undefined ? 0 : bytesToUint(opening),
      spip: 0,
      spfp: 0,
      paymentYear: 0,
      startingDay: DEFAULT_STARTING_DAY,
      onlineSeq: 0,
      offlineSeq: 0,
      proofs: {},
    };
  });
}

/** Load and purchase need the cardholder PIN if the card has one (card-spec §6.15, §7.1). */
export function requirePin(ctx: CardContext): void {
  const pin = ctx.findPin(CARDHOLDER_PIN);
  if (pin !== undefined && !ctx.security.pinVerified(pin)) {
    throw new CardStatus(SW.SECURITY_NOT_SATISFIED, 'the cardholder PIN is not verified');
  }
}

/** The card key of `usage` ('medical-load', 'medical-purchase') with the INITIALIZE's key index; none → 9403. */
export function purseKey(ctx: CardContext, usage: string, keyIndex: number): CardKey {
  const key = ctx.findKey(usage, keyIndex);
  if (key === undefined) throw new CardStatus(MEDICAL_SW.KEY_INDEX_NOT_SUPPORTED, `no ${usage} key with index ${keyIndex}`);
  return key;
}

/** DTK, the TAC key. */
export function tacKey(ctx: CardContext): CardKey {
  return ctx.requireKey(['medical-tac']);
}

/** Algorithm id in the INITIALIZE answers, in the FCI numbering (card-spec §2.2): 01 DES/3DES, 03 SM4. */
export function algorithmId(key: CardKey): number {
  return key.algorithm === 'sm4' ? 0x03 : 0x01;
}

export function u32(n: number): Uint8Array {
  return uintToBytes(n, 4);
}

export function u16(n: number): Uint8Array {
  return uintToBytes(n, 2);
}

/** Time fields (yyyymmddhhmmss, 7 bytes) must be BCD; else 6A80. */
export function checkBcdTime(time: Uint8Array): string {
  let digits = '';
  for (const b of time) {
    if (b >> 4 > 9 || (b & 15) > 9) throw new CardStatus(SW.WRONG_DATA, 'time not BCD');
    digits += b.toString(16).padStart(2, '0');
  }
  return digits;
}

export function bcd2(value: number | string): Uint8Array {
  const digits = String(value).padStart(4, '0');
  return Uint8Array.of(Number.parseInt(digits.slice(0, 2), 16), Number.parseInt(digits.slice(2, 4), 16));
}

/** Adds a record to the cyclic log EF08: seq 2 ‖ type '1'/'2' ‖ terminal 6 ‖ time 7 ‖ account 4 ‖ self-pay 4 ‖ pooling 4. */
export function appendLogRecord(
  ctx: CardContext,
  entry: {
    seq: number;
    type: 'load' | 'purchase';
    terminalId: Uint8Array;
    time: Uint8Array;
    account: number;
    selfPay: number;
    pooling: number;
  },
): void {
  const log = logFile(ctx);
  const record = new Uint8Array(LOG_RECORD_LENGTH);
  record.set(u16(entry.seq), 0);
  record[2] = entry.type === 'load' ? 0x31 : 0x32;
  record.set(entry.terminalId, 3);
  record.set(entry.time, 9);
  record.set(u32(entry.account), 16);
  record.set(u32(entry.selfPay), 20);
  record.set(u32(entry.pooling), 24);
  log.records = [record, ...log.records].slice(0, log.maxRecords);
  log.written = true;
}

function logFile(ctx: CardContext): ElementaryFile {
  const ef = ctx.currentDf.elementaryFiles().find((e) => e.sfi === LOG_SFI);
  if (ef === undefined) throw new CardStatus(SW.FILE_NOT_FOUND, 'DF04 has no log EF08');
  return ef;
}
