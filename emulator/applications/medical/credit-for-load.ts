import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { concatBytes, constantTimeEqual } from '../../../src/bytes/bytes.js';
import { toHex } from '../../../src/bytes/hex.js';
import { MEDICAL_TYPE, medicalMac, medicalTac } from '../../../src/crypto/medical-purse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { appendLogRecord, checkBcdTime, MEDICAL_SW, medicalPurse, tacKey, u16, u32 } from './medical-purse.js';
import { takePending } from './medical-transaction-state.js';

/**
 * CREDIT FOR LOAD `B0 2A 00 00 0B hostTime 7 ‖ MAC2 4` → TAC (card-spec §7.2 step 3). Only right
 * after INITIALIZE FOR LOAD (else 6901). MAC2 wrong → 9302, nothing changes. TAC computed before
 * the amounts change; balance, online counter, log record and the proof in one state write.
 */
export function creditForLoad(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 11) throw new CardStatus(SW.WRONG_LENGTH, 'CREDIT FOR LOAD takes 11 data bytes');
  const t = takePending(ctx, 'load');
  try {
    const time = apdu.data.slice(0, 7);
    const mac2 = apdu.data.subarray(7, 11);
    checkBcdTime(time);
    const type = Uint8Array.of(MEDICAL_TYPE.load);
    const expected = medicalMac(t.key.algorithm, t.sessionKey, concatBytes(u32(t.amount), type, t.terminalId, time));
    if (!constantTimeEqual(mac2, expected)) throw new CardStatus(MEDICAL_SW.MAC_INVALID, 'MAC2 wrong: load voided');
    const purse = medicalPurse(ctx);
    const balance = purse.balance + t.amount;
    const dtk = tacKey(ctx);
    const tac = medicalTac(dtk.algorithm, dtk.value, concatBytes(u32(balance), u16(t.seq), u32(t.amount), type, t.terminalId, time));
    ctx.commit('medical:load:checked');
    purse.balance = balance;
    purse.onlineSeq = t.seq + 1;
    purse.proofs.load = { seq: t.seq, mac: toHex(mac2), tac: toHex(tac) };
    appendLogRecord(ctx, { seq: t.seq, type: 'load', terminalId: t.terminalId, time, account: t.amount, selfPay: 0, pooling: 0 });
    ctx.markDirty();
    ctx.commit('medical:load:committed');
    return tac;
  } finally {
    t.sessionKey.fill(0);
  }
}
