import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes, constantTimeEqual } from '../../../src/bytes/bytes.js';
import {
  epursePurchaseMac1,
  epursePurchaseMac2,
  epursePurchaseSessionKey,
  epursePurchaseTac,
  epurseTacKey,
} from '../../../src/crypto/epurse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { PURSE_SW } from './purse-constants.js';
import { epurseAlgorithm } from './purse-keys.js';
import { applyTransactionRecords, detailRecord } from './purse-records.js';
import { purseCounters, takePending } from './purse-state.js';

/**
 * DEBIT FOR PURCHASE `80 54 01 00 0F termTxnSeq(4) date(4) time(3) MAC1(4) 08` → TAC(4) MAC2(4);
 * also ends a compound (metro) purchase, writing the records cached by UPDATE CAPP DATA CACHE.
 * Needs the INITIALIZE FOR PURCHASE of this session (else 6985); used once, so a retried DEBIT
 * is 6985 and never debits twice. Wrong MAC1 → 9302, transaction void. Balance, offline ATC,
 * detail record and cached records are saved in one state write.
 */
export const debitForPurchaseCommand: CommandRoute = { name: 'DEBIT FOR PURCHASE', cla: [0x80], ins: 0x54, handler: debitForPurchase };

function debitForPurchase(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x01 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 15) throw new CardStatus(SW.WRONG_LENGTH);
  const terminalTransactionSeq = bytesToUint(apdu.data.subarray(0, 4));
  const date = apdu.data.slice(4, 8);
  const time = apdu.data.slice(8, 11);
  const mac1 = apdu.data.subarray(11, 15);
  const t = takePending(ctx, ['purchase', 'compound-purchase']);
  const algorithm = epurseAlgorithm(t.key);
  const sessionKey = epursePurchaseSessionKey(t.key.value, t.random, t.atc, terminalTransactionSeq, algorithm);
  try {
    const fields = { amount: t.amount, transactionType: t.transactionType, terminalId: t.terminalId, date, time };
    if (!constantTimeEqual(mac1, epursePurchaseMac1({ ...fields, sessionKey }))) {
      throw new CardStatus(PURSE_SW.MAC_INVALID, 'MAC1 wrong: purchase voided');
    }
    const tacKey = epurseTacKey(t.tacKey.value, epurseAlgorithm(t.tacKey));
    const tac = epursePurchaseTac({ ...fields, tacKey, terminalTransactionSeq });
    tacKey.fill(0);
    const mac2 = epursePurchaseMac2({ sessionKey, amount: t.amount });
    ctx.commit(`purse:${t.kind}:before`);
    const counters = purseCounters(ctx);
    counters.balance = t.balance - t.amount;
    counters.offlineAtc = t.atc + 1;
    applyTransactionRecords(ctx, detailRecord(ctx, t, date, time), t.cache);
    ctx.markDirty();
    ctx.commit(`purse:${t.kind}:committed`);
    return concatBytes(tac, mac2);
  } finally {
    sessionKey.fill(0);
  }
}
