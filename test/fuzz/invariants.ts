import { fromPinBlock } from '../../emulator/pin-object.js';
import { decodeBcdNumber } from '../../src/bytes/bcd.js';
import type { CardWorld, Observation } from './card-world.js';

/** A broken invariant: what held before, what the command did. */
export class InvariantViolation extends Error {}

const INS_VERIFY = 0x20;
const INS_UNBLOCK = 0x24;
const INS_EXTERNAL_AUTHENTICATE = 0x82;
const INS_CHANGE_RELOAD = 0x5e;
const INS_INITIALIZE = 0x50;
const INS_CREDIT = 0x52;
const INS_DEBIT = 0x54;
const INS_GPO = 0xa8;
const CLA_MEDICAL = 0xb0;
const INS_MEDICAL_INITIALIZE = 0x28;
const INS_MEDICAL_CREDIT = 0x2a;
const INS_MEDICAL_DEBIT = 0x2c;
const INS_GET_RESPONSE = 0xc0;

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/**
 * The money-and-identity invariants, checked after every command against what the card holds
 * (read from its memory) and what the command was:
 * - every answer ends in a status word, never 6F00 (except GET RESPONSE with nothing waiting,
 *   P5 §6.6), nothing logged as an internal error;
 * - a PIN counter drops by at most one per command and rises only on 9000 to VERIFY (with the
 *   right PIN), CHANGE PIN or PIN CHANGE/UNBLOCK;
 * - a key's try counter drops by at most one per command and rises only on a 9000 EXTERNAL
 *   AUTHENTICATE or PIN CHANGE/UNBLOCK (PUK);
 * - medical: a balance change only by a 9000 CREDIT FOR LOAD (+ the amount of the preceding
 *   INITIALIZE FOR LOAD) or DEBIT FOR PURCHASE (− the account amount of INITIALIZE FOR PURCHASE),
 *   each moving its counter by one and adding one log record; initial + loads − purchases = balance;
 * - e-purse: 0 ≤ balance ≤ limit; a change only by a 9000 CREDIT (+ the amount of the preceding
 *   INITIALIZE FOR LOAD) or DEBIT (− the purchase amount); initial + loads − purchases = balance;
 *   ATCs never go back and move by one per transaction;
 * - electronic cash: 0 ≤ balance ≤ limit, never rises, falls only by an approved GPO of its amount.
 */
export class InvariantChecker {
  checks = 0;
  loads = 0;
  purchases = 0;
  medicalTransactions = 0;
  ecPurchases = 0;
  private before: Observation;
  private initializeAmount = -1;
  private medicalPending: { kind: 'load' | 'purchase'; amount: number } | undefined;
  private medicalLedger = 0;
  private loaded = 0;
  private spent = 0;

  constructor(private readonly world: CardWorld) {
    this.before = world.observe();
  }

  /** After the card was rebuilt (restart): the reference observation is re-read, totals kept. */
  rebase(): void {
    this.before = this.world.observe();
  }

  private expect(ok: boolean, what: () => string): void {
    this.checks++;
    if (!ok) throw new InvariantViolation(what());
  }

  afterCommand(command: Uint8Array, response: Uint8Array): void {
    const w = this.world;
    const after = w.observe();
    const before = this.before;
    this.before = after;
    const n = response.length;
    this.expect(n >= 2, () => `answer without a status word (${n} bytes)`);
    const sw = (response[n - 2]! << 8) | response[n - 1]!;
    const nothingToGet = command[1] === INS_GET_RESPONSE && n === 2;
    this.expect(sw !== 0x6f00 || nothingToGet, () => '6F00 (internal error)');
    const logged = w.logger.lines.filter((l) => l.startsWith('error'));
    w.logger.lines.length = 0;
    this.expect(logged.length === 0, () => `emulator logged: ${logged.join(' | ')}`);
    const ok = sw === 0x9000 || sw >> 8 === 0x61;
    const ins = command.length >= 2 ? command[1]! : -1;
    const data = command.length > 5 ? command.subarray(5, 5 + command[4]!) : new Uint8Array(0);

    for (let i = 0; i < after.triesLeft.length; i++) {
      const t0 = before.triesLeft[i]!;
      const t1 = after.triesLeft[i]!;
      this.expect(t1 >= 0 && t1 >= t0 - 1, () => `PIN ${w.pins[i]!.stateKey} counter ${t0} → ${t1}`);
      if (t1 > t0) {
        this.expect(
          ok && (ins === INS_VERIFY || ins === INS_UNBLOCK || ins === INS_CHANGE_RELOAD),
          () => `PIN ${w.pins[i]!.stateKey} counter rose ${t0} → ${t1} on ${hex(command)} → ${sw.toString(16)}`,
        );
        if (ins === INS_VERIFY && command[2] === 0x00 && command[3] !== 0x80 && data.length > 0) {
          this.expect(fromPinBlock(data) === w.pins[i]!.exportValue(), () => `PIN ${w.pins[i]!.stateKey} verified with a wrong PIN`);
        }
      }
    }

    for (const [key, t1] of after.keyTries) {
      const t0 = before.keyTries.get(key) ?? t1;
      this.expect(t1 >= 0 && t1 >= t0 - 1, () => `key ${key} counter ${t0} → ${t1}`);
      if (t1 > t0) {
        this.expect(
          ok && (ins === INS_EXTERNAL_AUTHENTICATE || ins === INS_UNBLOCK),
          () => `key ${key} counter rose ${t0} → ${t1} on ${hex(command)} → ${sw.toString(16)}`,
        );
      }
    }

    if (after.medical !== undefined && before.medical !== undefined) {
      const m0 = before.medical;
      const m1 = after.medical;
      const medicalCommand = command[0] === CLA_MEDICAL;
      if (ok && medicalCommand && ins === INS_MEDICAL_INITIALIZE && command[2] === 0x00 && data.length === 11) {
        this.medicalPending = { kind: 'load', amount: u32(data, 1) };
      }
      if (ok && medicalCommand && ins === INS_MEDICAL_INITIALIZE && command[2] === 0x01 && data.length === 19) {
        this.medicalPending = { kind: 'purchase', amount: u32(data, 1) };
      }
      const moved = m1.balance !== m0.balance || m1.onlineSeq !== m0.onlineSeq || m1.offlineSeq !== m0.offlineSeq;
      if (moved) {
        const load = ok && medicalCommand && ins === INS_MEDICAL_CREDIT;
        const purchase = ok && medicalCommand && ins === INS_MEDICAL_DEBIT;
        const pending = this.medicalPending;
        this.expect(load || purchase, () => `medical balance/counters moved on ${hex(command)} → ${sw.toString(16)}`);
        this.expect(pending?.kind === (load ? 'load' : 'purchase'), () => `medical ${load ? 'load' : 'purchase'} without its INITIALIZE`);
        const delta = load ? pending!.amount : -pending!.amount;
        this.expect(m1.balance - m0.balance === delta, () => `medical balance moved ${m1.balance - m0.balance}, transaction was ${delta}`);
        const online = m1.onlineSeq - m0.onlineSeq;
        const offline = m1.offlineSeq - m0.offlineSeq;
        this.expect(
          load ? online === 1 && offline === 0 : online === 0 && offline === 1,
          () => `medical counters moved ${online}/${offline}`,
        );
        this.expect(m1.logRecords === Math.min(m0.logRecords + 1, 30), () => 'medical transaction without its log record');
        this.medicalLedger += delta;
        this.medicalPending = undefined;
        this.medicalTransactions++;
      }
      this.expect(
        m1.balance >= 0 && w.medicalInitial + this.medicalLedger === m1.balance,
        () => `medical ledger ${w.medicalInitial} + ${this.medicalLedger} ≠ ${m1.balance}`,
      );
    }

    if (w.purseDf !== undefined) {
      const b0 = w.purseBalance(before);
      const b1 = w.purseBalance(after);
      this.expect(b1 >= 0 && b1 <= w.purseLimit, () => `purse balance ${b1} outside [0, ${w.purseLimit}]`);
      // The amount of the transaction now pending: set by an INITIALIZE the card accepted (a refused
      // one leaves nothing pending or the previous one, and its CREDIT/DEBIT then cannot succeed).
      if (ok && ins === INS_INITIALIZE && command[0] === 0x80 && data.length === 11) this.initializeAmount = u32(data, 1);
      const p0 = before.purse;
      const p1 = after.purse;
      if (p0 !== undefined && p1 !== undefined) {
        this.expect(p1.onlineAtc >= p0.onlineAtc && p1.offlineAtc >= p0.offlineAtc, () => 'purse ATC went back');
      }
      if (b1 !== b0 || (p0 && p1 && (p1.onlineAtc !== p0.onlineAtc || p1.offlineAtc !== p0.offlineAtc))) {
        const load = ok && ins === INS_CREDIT;
        const purchase = ok && ins === INS_DEBIT && command[2] === 0x01;
        this.expect(load || purchase, () => `purse balance/ATC moved on ${hex(command)} → ${sw.toString(16)}`);
        this.expect(
          b1 - b0 === (load ? this.initializeAmount : -this.initializeAmount),
          () => `purse moved ${b1 - b0}, transaction was ${this.initializeAmount}`,
        );
        const online = (p1?.onlineAtc ?? 0) - (p0?.onlineAtc ?? 0);
        const offline = (p1?.offlineAtc ?? 0) - (p0?.offlineAtc ?? 0);
        this.expect(load ? online === 1 && offline === 0 : online === 0 && offline === 1, () => `ATCs moved ${online}/${offline}`);
        if (load) this.loaded += b1 - b0;
        else this.spent += b0 - b1;
        this.initializeAmount = -1;
        if (load) this.loads++;
        else this.purchases++;
      }
      this.expect(
        w.purseInitial + this.loaded - this.spent === b1,
        () => `purse ledger ${w.purseInitial} + ${this.loaded} − ${this.spent} ≠ ${b1}`,
      );
    }

    if (w.pbocDf !== undefined) {
      const e0 = w.pbocBalance(before);
      const e1 = w.pbocBalance(after);
      this.expect(e1 >= 0 && e1 <= w.pbocLimit, () => `EC balance ${e1} outside [0, ${w.pbocLimit}]`);
      const a0 = before.pboc?.atc ?? 0;
      const a1 = after.pboc?.atc ?? a0;
      this.expect(a1 === a0 || (a1 === a0 + 1 && ok && ins === INS_GPO), () => `PBOC ATC ${a0} → ${a1} on ${hex(command)}`);
      if (e1 !== e0) {
        this.expect(e1 < e0 && ok && ins === INS_GPO && data.length >= 12, () => `EC balance ${e0} → ${e1} on ${hex(command)}`);
        this.expect(e0 - e1 === decodeBcdNumber(data.subarray(6, 12)), () => `EC purchase took ${e0 - e1}`);
        this.ecPurchases++;
      }
    }
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}
