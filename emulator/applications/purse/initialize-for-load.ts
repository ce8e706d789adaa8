import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import { epurseLoadMac1, epurseLoadSessionKey } from '../../../src/crypto/epurse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { MAX_ATC, TXN } from './purse-constants.js';
import { algorithmId, epurseAlgorithm, purseKey } from './purse-keys.js';
import { balanceLimit, purseCounters, setPending } from './purse-state.js';

/**
 * INITIALIZE FOR LOAD `80 50 00 02 0B keyIdx(1) amount(4) termId(6) 10` →
 * balance(4) onlineATC(2) keyVer(1) algId(1) rand(4) MAC1(4). A load that would take the balance
 * past its limit is refused here with 6A80, before any MAC is computed (card-facts §8).
 * Nothing persistent changes; the transaction waits in the session for CREDIT FOR LOAD.
 */
export function initializeForLoad(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.data.length !== 11) throw new CardStatus(SW.WRONG_LENGTH);
  const keyIndex = apdu.data[0]!;
  const amount = bytesToUint(apdu.data.subarray(1, 5));
  const terminalId = apdu.data.slice(5, 11);
  const counters = purseCounters(ctx);
  if (amount === 0) throw new CardStatus(SW.WRONG_DATA, 'load of 0');
  if (counters.balance + amount > balanceLimit(ctx.currentDf)) throw new CardStatus(SW.WRONG_DATA, 'balance limit');
  if (counters.onlineAtc >= MAX_ATC) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'online ATC exhausted');
  const dlk = purseKey(ctx, 'load', keyIndex);
  const tacKey = purseKey(ctx, 'tac', keyIndex);
  const random = ctx.random(4);
  const sessionKey = epurseLoadSessionKey(dlk.value, random, counters.onlineAtc, epurseAlgorithm(dlk));
  const mac1 = epurseLoadMac1({ sessionKey, balance: counters.balance, amount, transactionType: TXN.epLoad, terminalId });
  setPending(ctx, {
    kind: 'load',
    keyIndex,
    amount,
    transactionType: TXN.epLoad,
    terminalId,
    random,
    balance: counters.balance,
    atc: counters.onlineAtc,
    key: dlk,
    sessionKey,
    tacKey,
    cache: [],
  });
  return concatBytes(
    uintToBytes(counters.balance, 4),
    uintToBytes(counters.onlineAtc, 2),
    Uint8Array.of(dlk.version, algorithmId(dlk)),
    random,
    mac1,
  );
}
