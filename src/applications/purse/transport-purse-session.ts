import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { checkAmountFen, formatYuan } from '../../bytes/amount.js';
import { bytesToUint, concatBytes, constantTimeEqual, uintToBytes, wipe } from '../../bytes/bytes.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { type EpurseAlgorithm, epurseLoadMac1, epurseLoadMac2, epursePurchaseMac1, epursePurchaseMac2 } from '../../crypto/epurse-mac.js';
import { InputError, SecurityError } from '../../errors.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import { readBinary, selectByName } from '../iso-commands.js';
import type { ApplicationKeyProvider } from '../keys/application-key-provider.js';
import { readAllRecords } from '../read-records.js';
import {
  ALGORITHM_ID,
  INIT_P1,
  MAX_TRANSACTIONS,
  MAX_TRIPS,
  P2_EP,
  PURSE_AID,
  PURSE_INS,
  PURSE_SFI,
  TRANSACTION_TYPE,
} from './purse-constants.js';
import { canComputeTac, loadSessionKey, purchaseSessionKey, purseKeyRef } from './purse-keys.js';
import { bcdDateTime, decodeCardInfo, decodeTransaction, decodeTrip, encodeTrip } from './purse-records.js';
import type {
  CompoundPurchase,
  PurseBalance,
  PurseCardInfo,
  PurseLoadResult,
  PursePurchaseResult,
  PurseTerminal,
  PurseTransaction,
  PurseTrip,
} from './purse-types.js';

/**
 * The transport e-purse of a card (card-facts §8): balance, card information, transaction and
 * trip records, and the terminal side of loads and purchases. Keys stay in a ApplicationKeyProvider (a PSAM,
 * an HSM, or the software SAM for tests); the session only ever holds session keys, wiped after use.
 * MAC1 (load) and MAC2 (purchase) from the card are checked before anything else is sent, and the
 * TAC when the provider can compute it; a wrong one is a SecurityError.
 */
export class TransportPurseSession {
  readonly channel: CardChannel;
  readonly fci: Uint8Array;
  private cardInfo: PurseCardInfo | undefined;

  private constructor(channel: CardChannel, fci: Uint8Array) {
    this.channel = channel;
    this.fci = fci;
  }

  /** Selects the purse by its AID; 6A82 → ApplicationNotFoundError. */
  static async open(channel: CardChannel): Promise<TransportPurseSession> {
    const response = await channel.transmitRaw(selectByName(PURSE_AID));
    if (response.sw === 0x6a82) throw new ApplicationNotFoundError('transport e-purse', response.sw);
    if (response.sw !== 0x9000) throw new ApduError(response.sw, response.data, 'selecting the transport e-purse');
    return new TransportPurseSession(channel, response.data);
  }

  async readBalance(): Promise<PurseBalance> {
    const data = await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: PURSE_INS.getBalance, p1: 0, p2: P2_EP, le: 4 }), {
      context: 'GET BALANCE',
    });
    if (data.length !== 4) throw new BadResponseError(`GET BALANCE returned ${data.length} bytes, expected 4`);
    const fen = bytesToUint(data);
    return { fen, yuan: formatYuan(fen) };
  }

  async readCardInfo(): Promise<PurseCardInfo> {
    if (this.cardInfo === undefined) {
      const data = await this.channel.transmit(readBinary(0, 256, PURSE_SFI.cardInfo), { context: 'reading the purse card information' });
      this.cardInfo = decodeCardInfo(data);
    }
    return this.cardInfo;
  }

  /** Transaction details, most recent first (at most 10). */
  async readTransactions(): Promise<PurseTransaction[]> {
    return (await this.readCyclic(PURSE_SFI.transactions, MAX_TRANSACTIONS, 'transaction')).map(decodeTransaction);
  }

  /** Metro trip records, most recent first (at most 30). */
  async readTrips(): Promise<PurseTrip[]> {
    return (await this.readCyclic(PURSE_SFI.trips, MAX_TRIPS, 'trip')).map(decodeTrip);
  }

  private readCyclic(sfi: number, max: number, what: string): Promise<Uint8Array[]> {
    return readAllRecords(this.channel, sfi, max, what);
  }

  /**
   * Loads (recharges) `amountFen`: INITIALIZE FOR LOAD, check MAC1, CREDIT FOR LOAD with MAC2,
   * check the TAC. A load past the 1000-yuan limit is refused by the card (6A80) before any MAC.
   */
  async load(amountFen: number, terminal: PurseTerminal, keys: ApplicationKeyProvider): Promise<PurseLoadResult> {
    // INITIALIZE → CREDIT: the session key and MAC2 belong to this INITIALIZE; no other command between.
    return this.channel.exclusive(async () => {
      checkAmountFen(amountFen);
      const { terminalId, keyIndex } = checkTerminal(terminal);
      const { asn8, factors } = await this.factors();
      const init = await this.channel.transmit(
        new CommandApdu({
          cla: 0x80,
          ins: PURSE_INS.initialize,
          p1: INIT_P1.load,
          p2: P2_EP,
          data: concatBytes(Uint8Array.of(keyIndex), uintToBytes(amountFen, 4), terminalId),
          le: 0x10,
        }),
        { context: 'INITIALIZE FOR LOAD' },
      );
      if (init.length !== 16) throw new BadResponseError(`INITIALIZE FOR LOAD returned ${init.length} bytes, expected 16`);
      const balance = bytesToUint(init.subarray(0, 4));
      const onlineAtc = bytesToUint(init.subarray(4, 6));
      const keyVersion = init[6]!;
      const algorithm = await this.algorithmOf(init[7]!, keys, 'load', keyIndex);
      const random = init.slice(8, 12);
      const sessionKey = await loadSessionKey(keys, keyIndex, asn8, random, onlineAtc, algorithm);
      try {
        const txn = { amount: amountFen, transactionType: TRANSACTION_TYPE.epLoad, terminalId };
        if (!constantTimeEqual(init.subarray(12, 16), epurseLoadMac1({ ...txn, sessionKey, balance }))) {
          throw new SecurityError('the card answered a wrong MAC1 to INITIALIZE FOR LOAD: not loading (wrong keys or not a genuine card)');
        }
        const { date, time } = bcdDateTime(terminal.at ?? new Date());
        const mac2 = epurseLoadMac2({ ...txn, sessionKey, date, time });
        const tac = await this.channel.transmit(
          new CommandApdu({ cla: 0x80, ins: PURSE_INS.creditForLoad, p1: 0, p2: 0, data: concatBytes(date, time, mac2), le: 4 }),
          { context: 'CREDIT FOR LOAD' },
        );
        if (tac.length !== 4) throw new BadResponseError(`CREDIT FOR LOAD returned ${tac.length} bytes, expected 4`);
        const newBalance = balance + amountFen;
        const tacData = concatBytes(uintToBytes(newBalance, 4), uintToBytes(onlineAtc, 2), txnBytes(txn), date, time);
        const tacVerified = await this.checkTac(keys, keyIndex, factors, tacData, tac, 'load');
        return {
          balanceBeforeFen: balance,
          balanceAfterFen: newBalance,
          amountFen,
          onlineAtc,
          algorithm,
          keyVersion,
          tac: toHex(tac),
          tacVerified,
        };
      } finally {
        wipe(sessionKey);
      }
    });
  }

  /**
   * Pays `amountFen`: INITIALIZE FOR PURCHASE (9401 when the balance is short), DEBIT FOR PURCHASE
   * with MAC1, then checks MAC2 and the TAC. With `compound`, a metro-style compound purchase:
   * the trip and CAPP records are cached on the card and written together with the debit.
   */
  async purchase(
    amountFen: number,
    terminal: PurseTerminal,
    keys: ApplicationKeyProvider,
    compound?: CompoundPurchase,
  ): Promise<PursePurchaseResult> {
    // INITIALIZE → (cache) → DEBIT: the session key and MAC1 belong to this INITIALIZE; no other command between.
    return this.channel.exclusive(async () => {
      if (compound === undefined) checkAmountFen(amountFen);
      else if (!Number.isSafeInteger(amountFen) || amountFen < 0)
        throw new InputError('amount', `amount must be a whole number of fen, got ${amountFen}`);
      const { terminalId, keyIndex } = checkTerminal(terminal);
      const seq = terminal.transactionSeq ?? 1;
      if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff)
        throw new InputError('transactionSeq', 'the terminal sequence is 0..4294967295');
      const { asn8, factors } = await this.factors();
      const transactionType = compound ? TRANSACTION_TYPE.compoundPurchase : TRANSACTION_TYPE.epPurchase;
      const init = await this.channel.transmit(
        new CommandApdu({
          cla: 0x80,
          ins: PURSE_INS.initialize,
          p1: compound ? INIT_P1.compoundPurchase : INIT_P1.purchase,
          p2: P2_EP,
          data: concatBytes(Uint8Array.of(keyIndex), uintToBytes(amountFen, 4), terminalId),
          le: 0x0f,
        }),
        { context: 'INITIALIZE FOR PURCHASE' },
      );
      if (init.length !== 15) throw new BadResponseError(`INITIALIZE FOR PURCHASE returned ${init.length} bytes, expected 15`);
      const balance = bytesToUint(init.subarray(0, 4));
      const offlineAtc = bytesToUint(init.subarray(4, 6));
      const keyVersion = init[9]!;
      const algorithm = await this.algorithmOf(init[10]!, keys, 'purchase', keyIndex);
      const random = init.slice(11, 15);
      const at = terminal.at ?? new Date();
      const { date, time } = bcdDateTime(at);
      if (compound)
        await this.cacheCompoundRecords(compound, { offlineAtc, amountFen, terminalId, date, time, balanceAfterFen: balance - amountFen });
      const sessionKey = await purchaseSessionKey(keys, keyIndex, asn8, random, offlineAtc, seq, algorithm);
      try {
        const txn = { amount: amountFen, transactionType, terminalId };
        const mac1 = epursePurchaseMac1({ ...txn, sessionKey, date, time });
        const answer = await this.channel.transmit(
          new CommandApdu({
            cla: 0x80,
            ins: PURSE_INS.debitForPurchase,
            p1: 0x01,
            p2: 0x00,
            data: concatBytes(uintToBytes(seq, 4), date, time, mac1),
            le: 8,
          }),
          { context: 'DEBIT FOR PURCHASE' },
        );
        if (answer.length !== 8) throw new BadResponseError(`DEBIT FOR PURCHASE returned ${answer.length} bytes, expected 8`);
        const tac = answer.subarray(0, 4);
        const mac2 = answer.subarray(4, 8);
        if (!constantTimeEqual(mac2, epursePurchaseMac2({ sessionKey, amount: amountFen }))) {
          throw new SecurityError('the card answered a wrong MAC2 to DEBIT FOR PURCHASE (the debit may have happened: keep the record)');
        }
        const tacData = concatBytes(txnBytes(txn), uintToBytes(seq, 4), date, time);
        const tacVerified = await this.checkTac(keys, keyIndex, factors, tacData, tac, 'purchase');
        return {
          balanceBeforeFen: balance,
          balanceAfterFen: balance - amountFen,
          amountFen,
          offlineAtc,
          algorithm,
          keyVersion,
          tac: toHex(tac),
          mac2: toHex(mac2),
          tacVerified,
          compound: compound !== undefined,
        };
      } finally {
        wipe(sessionKey);
      }
    });
  }

  private async cacheCompoundRecords(
    compound: CompoundPurchase,
    t: { offlineAtc: number; amountFen: number; terminalId: Uint8Array; date: Uint8Array; time: Uint8Array; balanceAfterFen: number },
  ): Promise<void> {
    if (compound.cappRecord !== undefined) {
      const record = fromHex(compound.cappRecord, 'CAPP record');
      if (record.length === 0) throw new InputError('cappRecord', 'the CAPP record is empty');
      await this.updateCappDataCache(record[0]!, PURSE_SFI.compoundData, record);
    }
    if (compound.trip !== undefined) {
      const trip = encodeTrip({ kind: compound.trip.kind, station: compound.trip.station, atc: t.offlineAtc, ...t });
      await this.updateCappDataCache(0, PURSE_SFI.trips, trip);
    }
  }

  private async updateCappDataCache(p1: number, sfi: number, data: Uint8Array): Promise<void> {
    await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: PURSE_INS.updateCappDataCache, p1, p2: sfi << 3, data }), {
      context: 'UPDATE CAPP DATA CACHE',
    });
  }

  /** ASN8 from the card information: the diversification factor of the purse keys. */
  private async factors(): Promise<{ asn8: Uint8Array; factors: Uint8Array[] }> {
    const asn8 = fromHex((await this.readCardInfo()).asn8);
    return { asn8, factors: [asn8] };
  }

  /** The card's algorithm id must match the provider's key; else the MACs could never agree. */
  private async algorithmOf(
    algorithmId: number,
    keys: ApplicationKeyProvider,
    usage: 'load' | 'purchase',
    keyIndex: number,
  ): Promise<EpurseAlgorithm> {
    const card: EpurseAlgorithm | undefined =
      algorithmId === ALGORITHM_ID['3des'] ? '3des' : algorithmId === ALGORITHM_ID.sm4 ? 'sm4' : undefined;
    if (card === undefined) throw new BadResponseError(`unknown purse algorithm id ${algorithmId.toString(16).padStart(2, '0')}`);
    const own = await keys.algorithm(purseKeyRef(usage, keyIndex));
    if (own !== card) throw new InputError('keys', `the card's purse uses ${card}, the ${usage} key in the key set is ${own}`);
    return card;
  }

  private async checkTac(
    keys: ApplicationKeyProvider,
    keyIndex: number,
    factors: Uint8Array[],
    data: Uint8Array,
    tac: Uint8Array,
    what: string,
  ): Promise<boolean> {
    if (!canComputeTac(keys)) return false;
    const expected = await keys.purseTac(purseKeyRef('tac', keyIndex), factors, data);
    if (!constantTimeEqual(expected, tac))
      throw new SecurityError(`the card's TAC for this ${what} is wrong (the transaction happened on the card: report it)`);
    return true;
  }
}

function checkTerminal(terminal: PurseTerminal): { terminalId: Uint8Array; keyIndex: number } {
  const terminalId = fromHex(terminal.terminalId, 'terminal id');
  if (terminalId.length !== 6) throw new InputError('terminalId', 'a terminal id is 6 bytes (12 hex digits)');
  const keyIndex = terminal.keyIndex ?? 1;
  if (!Number.isInteger(keyIndex) || keyIndex < 1 || keyIndex > 255) throw new InputError('keyIndex', 'the key index is 1..255');
  return { terminalId, keyIndex };
}

function txnBytes(t: { amount: number; transactionType: number; terminalId: Uint8Array }): Uint8Array {
  return concatBytes(uintToBytes(t.amount, 4), Uint8Array.of(t.transactionType), t.terminalId);
}
