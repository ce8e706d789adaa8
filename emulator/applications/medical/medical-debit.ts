import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import {
  AMOUNTS_FID,
  amountRecord,
  amountRecordIndex,
  BALANCE_TAG,
  LOG_FID,
  LOG_RECORD_LENGTH,
  medicalEf,
  OFFLINE_TOTAL_TAG,
  readAmount,
} from './medical-files.js';

/** The DF04 key a hospital terminal (its PSAM) authenticates with before a debit (card-facts §5). */
const MEDICAL_KEY_ID = 0x84;
const CARDHOLDER_PIN = 0x00;
const INSUFFICIENT_BALANCE = 0x9401;

/**
 * MEDICAL DEBIT `80 54 02 00 11 amount(4) termId(6) date(4) time(3)` → balanceAfter(4) ‖ seq(2).
 * sscard's design (card-facts §3 infers the data, not the command): needs the cardholder PIN and
 * EXTERNAL AUTHENTICATE with key 84 in DF04; debits the balance, adds to the offline settlement
 * total and writes the log record in ONE state write, so a torn debit leaves all or nothing.
 * The same command again right after (a terminal retrying a lost answer) returns the first
 * answer without debiting twice.
 */
export const medicalDebitCommand: CommandRoute = { name: 'MEDICAL DEBIT', cla: [0x80], ins: 0x54, handler: medicalDebit };

interface MedicalState {
  seq: number;
  /** The last debit's command data and answer, for an idempotent retry. */
  last?: { command: string; answer: string };
}

function medicalDebit(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x02 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 17) throw new CardStatus(SW.WRONG_LENGTH, 'MEDICAL DEBIT takes 17 data bytes');
  const pin = ctx.findPin(CARDHOLDER_PIN);
  const key = ctx.findKey('external-auth', MEDICAL_KEY_ID);
  if (!pin || !ctx.security.pinVerified(pin) || !key || !ctx.security.keyAuthenticated(key)) {
    throw new CardStatus(SW.SECURITY_NOT_SATISFIED, 'medical debit needs the PIN and key 84');
  }
  const state = ctx.applicationState<MedicalState>('ssse-medical', () => ({ seq: 0 }));
  const commandHex = Buffer.from(apdu.data).toString('hex');
  if (state.last?.command === commandHex) return Uint8Array.from(Buffer.from(state.last.answer, 'hex'));

  const d = apdu.data;
  const amount = ((d[0]! << 24) >>> 0) + (d[1]! << 16) + (d[2]! << 8) + d[3]!;
  if (amount === 0) throw new CardStatus(SW.WRONG_DATA, 'amount 0');
  checkBcd(d.subarray(10, 17));
  const df = ctx.currentDf;
  const amounts = medicalEf(df, AMOUNTS_FID);
  const log = medicalEf(df, LOG_FID);
  const before = readAmount(amounts, BALANCE_TAG);
  if (amount > before) throw new CardStatus(INSUFFICIENT_BALANCE, 'insufficient medical balance');
  const offline = readAmount(amounts, OFFLINE_TOTAL_TAG);
  if (offline + amount > 0xffffffff) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'offline total would overflow');
  ctx.commit('medical:debit:checked');

  const after = before - amount;
  const seq = (state.seq + 1) & 0xffff;
  const record = new Uint8Array(LOG_RECORD_LENGTH);
  record.set([seq >> 8, seq & 0xff, 0x01], 0); // seq, type 01 = debit
  record.set(d.subarray(4, 10), 3); // terminal id
  record.set(d.subarray(10, 17), 9); // date ‖ time
  record.set(d.subarray(0, 4), 16); // amount
  record.set(u32(before), 20);
  record.set(u32(after), 24);

  const records = amounts.records.slice();
  records[amountRecordIndex(amounts, BALANCE_TAG)] = amountRecord(BALANCE_TAG, after);
  records[amountRecordIndex(amounts, OFFLINE_TOTAL_TAG)] = amountRecord(OFFLINE_TOTAL_TAG, offline + amount);
  amounts.records = records;
  amounts.written = true;
  log.records = [record, ...log.records].slice(0, log.maxRecords);
  log.written = true;
  const answer = Uint8Array.of(...u32(after), seq >> 8, seq & 0xff);
  state.seq = seq;
  state.last = { command: commandHex, answer: Buffer.from(answer).toString('hex') };
  ctx.markDirty();
  ctx.commit('medical:debit:committed');
  return answer;
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function checkBcd(bytes: Uint8Array): void {
  for (const b of bytes) if (b >> 4 > 9 || (b & 15) > 9) throw new CardStatus(SW.WRONG_DATA, 'date/time not BCD');
}
