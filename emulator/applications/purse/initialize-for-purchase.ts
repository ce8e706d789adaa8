import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { MAX_ATC, PURSE_SW, TXN } from './purse-constants.js';
import { algorithmId, purseKey } from './purse-keys.js';
import { overdraftLimit, purseCounters, setPending } from './purse-state.js';

/**
 * INITIALIZE FOR PURCHASE `80 50 01 02 0B keyIdx(1) amount(4) termId(6) 0F` and its compound
 * (metro) form `80 50 03 02 …` → balance(4) offlineATC(2) overdraftLimit(3) keyVer(1) algId(1)
 * rand(4). Not enough money → 9401. The purchase session key needs the terminal's transaction
 * sequence, which only comes with the DEBIT, so the key is derived there. The overdraft limit
 * (a profile data object, 0 on the sample cards) is reported but never drawn on. A compound purchase
 * may be of 0 fen (metro entry); a plain one may not.
 */
export function initializeForPurchase(ctx: CardContext, apdu: CommandApdu, compound: boolean): HandlerResult {
  if (apdu.data.length !== 11) throw new CardStatus(SW.WRONG_LENGTH);
  const keyIndex = apdu.data[0]!;
  const amount = bytesToUint(apdu.data.subarray(1, 5));
  const terminalId = apdu.data.slice(5, 11);
  const counters = purseCounters(ctx);
  const overdraft = overdraftLimit(ctx.currentDf);
  if (amount === 0 && !compound) throw new CardStatus(SW.WRONG_DATA, 'purchase of 0');
  if (counters.offlineAtc >= MAX_ATC) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'offline ATC exhausted');
  const dpk = purseKey(ctx, 'purchase', keyIndex);
  const tacKey = purseKey(ctx, 'tac', keyIndex);
  if (amount > counters.balance) throw new CardStatus(PURSE_SW.INSUFFICIENT_BALANCE, 'insufficient balance');
  const random = ctx.random(4);
  setPending(ctx, {
    kind: compound ? 'compound-purchase' : 'purchase',
    keyIndex,
    amount,
    transactionType: compound ? TXN.compoundPurchase : TXN.epPurchase,
    terminalId,
    random,
    balance: counters.balance,
    atc: counters.offlineAtc,
    key: dpk,
    sessionKey: undefined,
    tacKey,
    cache: [],
  });
  return concatBytes(
    uintToBytes(counters.balance, 4),
    uintToBytes(counters.offlineAtc, 2),
    uintToBytes(overdraft, 3),
    Uint8Array.of(dpk.version, algorithmId(dpk)),
    random,
  );
}
