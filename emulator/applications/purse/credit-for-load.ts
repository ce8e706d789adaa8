import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { constantTimeEqual } from '../../../src/bytes/bytes.js';
import { epurseLoadMac2, epurseLoadTac, epurseTacKey } from '../../../src/crypto/epurse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { PURSE_SW } from './purse-constants.js';
import { epurseAlgorithm } from './purse-keys.js';
import { applyTransactionRecords, detailRecord } from './purse-records.js';
import { purseCounters, takePending } from './purse-state.js';

/**
 * CREDIT FOR LOAD `80 52 00 00 0B date(4) time(3) MAC2(4) 04` → TAC(4).
 * Needs the INITIALIZE FOR LOAD of this session (else 6985); the transaction is used once, so a
 * repeated CREDIT is 6985 too. Wrong MAC2 → 9302 and the transaction is void. Balance, online ATC
 * and the detail record are saved in one state write, so a torn load leaves no trace or a whole one.
 */
export const creditForLoadCommand: CommandRoute = { name: 'CREDIT FOR LOAD', cla: [0x80], ins: 0x52, handler: creditForLoad };

function creditForLoad(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 11) throw new CardStatus(SW.WRONG_LENGTH);
  const date = apdu.data.slice(0, 4);
  const time = apdu.data.slice(4, 7);
  const mac2 = apdu.data.subarray(7, 11);
  const t = takePending(ctx, ['load']);
  try {
    const sessionKey = t.sessionKey!;
    const fields = { amount: t.amount, transactionType: t.transactionType, terminalId: t.terminalId, date, time };
    if (!constantTimeEqual(mac2, epurseLoadMac2({ ...fields, sessionKey }))) {
      throw new CardStatus(PURSE_SW.MAC_INVALID, 'MAC2 wrong: load voided');
    }
    const newBalance = t.balance + t.amount;
    const tacKey = epurseTacKey(t.tacKey.value, epurseAlgorithm(t.tacKey));
    const tac = epurseLoadTac({ ...fields, tacKey, newBalance, onlineAtc: t.atc });
    tacKey.fill(0);
    ctx.commit('purse:load:before');
    const counters = purseCounters(ctx);
    counters.balance = newBalance;
    counters.onlineAtc = t.atc + 1;
    applyTransactionRecords(ctx, detailRecord(ctx, t, date, time), []);
    ctx.markDirty();
    ctx.commit('purse:load:committed');
    return tac;
  } finally {
    t.sessionKey?.fill(0);
  }
}
