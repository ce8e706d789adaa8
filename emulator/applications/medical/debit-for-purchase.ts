import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes, constantTimeEqual } from '../../../src/bytes/bytes.js';
import { toHex } from '../../../src/bytes/hex.js';
import { MEDICAL_TYPE, medicalMac, medicalSessionKey, medicalTac, purchaseSessionTail } from '../../../src/crypto/medical-purse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { appendLogRecord, checkBcdTime, MEDICAL_SW, type MedicalPurse, medicalPurse, tacKey, u32 } from './medical-purse.js';
import { takePending } from './medical-transaction-state.js';

/**
 * DEBIT FOR PURCHASE `B0 2C 01 00 0F terminalSeq 4 ‖ time 7 ‖ MAC1 4` → TAC ‖ MAC2 (card-spec
 * §7.3 step 3). Only right after INITIALIZE FOR PURCHASE (else 6901). MAC1 wrong → 9302, nothing
 * debited. MAC2 and TAC are computed before the amounts change; balance, SPIP/SPFP (with the year
 * roll-over), offline counter, log record and the proof go in one state write.
 */
export function debitForPurchase(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x01 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 15) throw new CardStatus(SW.WRONG_LENGTH, 'DEBIT FOR PURCHASE takes 15 data bytes');
  const t = takePending(ctx, 'purchase');
  const terminalSeq = bytesToUint(apdu.data.subarray(0, 4));
  const time = apdu.data.slice(4, 11);
  const mac1 = apdu.data.subarray(11, 15);
  const digits = checkBcdTime(time);
  const cipher = t.key.algorithm;
  const sessionKey = medicalSessionKey(cipher, t.key.value, t.random, t.seq, purchaseSessionTail(terminalSeq));
  try {
    const amounts = concatBytes(u32(t.account), u32(t.selfPay), u32(t.pooling));
    const type = Uint8Array.of(MEDICAL_TYPE.purchase);
    const expected = medicalMac(cipher, sessionKey, concatBytes(amounts, type, t.terminalId, time));
    if (!constantTimeEqual(mac1, expected)) throw new CardStatus(MEDICAL_SW.MAC_INVALID, 'MAC1 wrong: purchase voided');
    const purse = medicalPurse(ctx);
    if (t.account > purse.balance) throw new CardStatus(MEDICAL_SW.INSUFFICIENT_BALANCE, 'account amount above the balance');
    const mac2 = medicalMac(cipher, sessionKey, amounts);
    const dtk = tacKey(ctx);
    const tac = medicalTac(dtk.algorithm, dtk.value, concatBytes(amounts, type, t.terminalId, apdu.data.subarray(0, 4), time));
    ctx.commit('medical:purchase:checked');
    purse.balance -= t.account;
    addToYear(purse, digits.slice(0, 8), t.selfPay, t.pooling);
    purse.offlineSeq = t.seq + 1;
    purse.proofs.purchase = { seq: t.seq, mac: toHex(mac2), tac: toHex(tac) };
    appendLogRecord(ctx, {
      seq: t.seq,
      type: 'purchase',
      terminalId: t.terminalId,
      time,
      account: t.account,
      selfPay: t.selfPay,
      pooling: t.pooling,
    });
    ctx.markDirty();
    ctx.commit('medical:purchase:committed');
    return concatBytes(tac, mac2);
  } finally {
    sessionKey.fill(0);
  }
}

/**
 * SPIP/SPFP (card-spec §7.3): n = date − (payment year·10000 + starting day); n < 10000 adds to the
 * year's totals, otherwise the settlement year of `date` starts: its totals are this transaction's.
 */
export function addToYear(purse: MedicalPurse, yyyymmdd: string, selfPay: number, pooling: number): void {
  const date = Number(yyyymmdd);
  const n = date - (purse.paymentYear * 10000 + Number(purse.startingDay));
  if (n < 10000) {
    purse.spip = Math.min(purse.spip + selfPay, 0xffffffff);
    purse.spfp = Math.min(purse.spfp + pooling, 0xffffffff);
    return;
  }
  const year = Number(yyyymmdd.slice(0, 4));
  purse.paymentYear = yyyymmdd.slice(4) >= purse.startingDay ? year : year - 1;
  purse.spip = selfPay;
  purse.spfp = pooling;
}
