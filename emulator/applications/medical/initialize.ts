import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes } from '../../../src/bytes/bytes.js';
import { LOAD_SESSION_TAIL, MEDICAL_TYPE, medicalMac, medicalSessionKey } from '../../../src/crypto/medical-purse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { algorithmId, bcd2, MEDICAL_SW, medicalPurse, purseKey, requirePin, u16, u32 } from './medical-purse.js';
import { setPending } from './medical-transaction-state.js';

/**
 * INITIALIZE FOR LOAD `B0 28 00 01 0B keyIndex ‖ amount 4 ‖ terminal 6` → balance ‖ online seq ‖
 * key version ‖ algorithm ‖ R ‖ MAC1, and INITIALIZE FOR PURCHASE `B0 28 01 01 13 keyIndex ‖
 * account 4 ‖ self-pay 4 ‖ pooling 4 ‖ terminal 6` → balance ‖ SPIP ‖ SPFP ‖ year ‖ offline seq ‖
 * key version ‖ algorithm ‖ R (card-spec §6.15, §7.2, §7.3). Both need the PIN; nothing durable changes.
 */
export function initialize(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== 0x01 || (apdu.p1 !== 0x00 && apdu.p1 !== 0x01)) throw new CardStatus(SW.WRONG_P1P2);
  return apdu.p1 === 0x00 ? initializeForLoad(ctx, apdu.data) : initializeForPurchase(ctx, apdu.data);
}

function initializeForLoad(ctx: CardContext, data: Uint8Array): Uint8Array {
  if (data.length !== 11) throw new CardStatus(SW.WRONG_LENGTH, 'INITIALIZE FOR LOAD takes 11 data bytes');
  requirePin(ctx);
  const key = purseKey(ctx, 'medical-load', data[0]!);
  const amount = bytesToUint(data.subarray(1, 5));
  const terminalId = data.slice(5, 11);
  const purse = medicalPurse(ctx);
  if (purse.onlineSeq >= 0xffff) throw new CardStatus(MEDICAL_SW.COUNTER_AT_MAXIMUM, 'online counter at its maximum');
  if (amount === 0) throw new CardStatus(SW.WRONG_DATA, 'amount 0');
  if (purse.balance + amount > 0xffffffff) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'the balance would overflow');
  const random = ctx.random(4);
  const sessionKey = medicalSessionKey(key.algorithm, key.value, random, purse.onlineSeq, LOAD_SESSION_TAIL);
  const mac1 = medicalMac(
    key.algorithm,
    sessionKey,
    concatBytes(u32(purse.balance), u32(amount), Uint8Array.of(MEDICAL_TYPE.load), terminalId),
  );
  setPending(ctx, { kind: 'load', amount, terminalId, seq: purse.onlineSeq, sessionKey, key });
  return concatBytes(u32(purse.balance), u16(purse.onlineSeq), Uint8Array.of(key.version, algorithmId(key)), random, mac1);
}

function initializeForPurchase(ctx: CardContext, data: Uint8Array): Uint8Array {
  if (data.length !== 19) throw new CardStatus(SW.WRONG_LENGTH, 'INITIALIZE FOR PURCHASE takes 19 data bytes');
  requirePin(ctx);
  const key = purseKey(ctx, 'medical-purchase', data[0]!);
  const account = bytesToUint(data.subarray(1, 5));
  const selfPay = bytesToUint(data.subarray(5, 9));
  const pooling = bytesToUint(data.subarray(9, 13));
  const terminalId = data.slice(13, 19);
  const purse = medicalPurse(ctx);
  if (purse.offlineSeq >= 0xffff) throw new CardStatus(MEDICAL_SW.COUNTER_AT_MAXIMUM, 'offline counter at its maximum');
  if (account > purse.balance) throw new CardStatus(MEDICAL_SW.INSUFFICIENT_BALANCE, 'account amount above the balance');
  const random = ctx.random(4);
  setPending(ctx, { kind: 'purchase', account, selfPay, pooling, terminalId, seq: purse.offlineSeq, random, key });
  return concatBytes(
    u32(purse.balance),
    u32(purse.spip),
    u32(purse.spfp),
    bcd2(purse.paymentYear),
    u16(purse.offlineSeq),
    Uint8Array.of(key.version, algorithmId(key)),
    random,
  );
}
