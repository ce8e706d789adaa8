import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { checkAmountFen } from '../../bytes/amount.js';
import { decodeBcdDigits } from '../../bytes/bcd.js';
import { encodeBcdDateTime } from '../../bytes/bcd-date.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../bytes/bytes.js';
import type { CardChannel } from '../../channel/card-channel.js';
import type { CardDiversificationData } from '../../crypto/card-key-factors.js';
import { MEDICAL_TYPE } from '../../crypto/medical-purse-mac.js';
import { CardError, InputError } from '../../errors.js';
import { TransportError } from '../../transport/transport-error.js';
import { selectByFid, selectByName } from '../iso-commands.js';
import { type PinSource, verifyPinFrom } from '../pin-pad.js';
import { readAllRecords } from '../read-records.js';
import { MEDICAL_DF_FID, MEDICAL_DF_NAME } from '../social-security/ssse-constants.js';
import type { LoadHost } from './load-host.js';
import { type MedicalAccount, type MedicalLogRecord, parseLogRecord, parseMedicalAccount, recordsByTag } from './medical-records.js';
import type { PurchaseSecurity } from './purchase-security.js';

/** What the medical session needs from the card's social security session. */
export interface MedicalCard {
  /** Region code and historical bytes: the security module diversifies the card keys with them. */
  diversification(): Promise<CardDiversificationData>;
  /** Reads the card identifier and card number (SSSE EF05) again: who is in the reader now. */
  identify(): Promise<string>;
}

export interface MedicalBalances {
  /** Personal account (CIA) balance, fen. */
  accountFen: number;
  /** Self-pay (SPIP) and pooling-fund (SPFP) totals of the payment year, fen. */
  selfPayFen: number;
  poolingFen: number;
  /** The payment (settlement) year; 0 before the first purchase. */
  paymentYear: number;
}

export interface MedicalPurchase {
  /** Paid from the personal account, fen (debited from the card). */
  account: number;
  /** Paid by the patient and by the pooling fund, fen (recorded, and added to SPIP/SPFP). */
  selfPay: number;
  pooling: number;
  /** Transaction time (default: now). */
  when?: Date;
}

/** What the settlement upload needs; `recovered` when the answer was lost and GET TRANSACTION PROOF gave it. */
export interface PurchaseResult {
  tac: Uint8Array;
  mac2: Uint8Array;
  terminalSeq: number;
  offlineSeq: number;
  balanceAfter: number;
  recovered: boolean;
}

export interface LoadResult {
  tac: Uint8Array;
  onlineSeq: number;
  balanceAfter: number;
  recovered: boolean;
}

export type MedicalTransactionType = keyof typeof MEDICAL_TYPE;

/**
 * The answer to a CREDIT/DEBIT was lost and GET TRANSACTION PROOF says the card rolled it back
 * (9406): nothing was debited or credited; start again with INITIALIZE.
 */
export class TransactionNotDoneError extends CardError {
  constructor(
    readonly type: MedicalTransactionType,
    readonly seq: number,
    options?: { cause?: unknown },
  ) {
    super('ENOTDONE', `the ${type} (card sequence ${seq}) did not happen: its answer was lost and the card has no proof of it`, options);
  }
}

/** After a lost answer another card is in the reader: whether the transaction happened is unknown. */
export class CardChangedError extends CardError {
  constructor(options?: { cause?: unknown }) {
    super(
      'ECARDCHANGED',
      'the card in the reader is not the one the transaction ran on: put that card back to learn whether it happened',
      options,
    );
  }
}

const KEY_INDEX = 0x01;
const LOG_SFI = 8;
const LOG_RECORDS = 30;
const BASE_SFI = 5;
const RECORD_LIMIT = 254;

/**
 * DF04 medical insurance after its PIN was verified (card-spec §6.15, §7): what a hospital or
 * pharmacy POS reads, pays with and what the back office loads. Get one from
 * `SocialSecuritySession.openMedical(pin)`. After a recovery the card was re-read: DF04 is
 * selected again without its PIN, so open a new session for more PIN-protected work.
 */
export class MedicalSession {
  private constructor(
    private readonly channel: CardChannel,
    private readonly card: MedicalCard,
    private readonly identity: string,
  ) {}

  static async open(channel: CardChannel, pin: PinSource, card: MedicalCard): Promise<MedicalSession> {
    const identity = await card.identify();
    const session = new MedicalSession(channel, card, identity);
    await session.selectDf04();
    await verifyPinFrom(channel, pin, 'verifying the PIN for medical insurance');
    return session;
  }

  private async selectDf04(): Promise<void> {
    const selected = await this.channel.transmitRaw(selectByName(MEDICAL_DF_NAME));
    if (selected.sw !== 0x9000)
      await this.channel.transmit(selectByFid(MEDICAL_DF_FID, 0x01), { context: 'selecting DF04 (medical insurance)' });
  }

  /** EF05 base data by the V2 tags (card-spec §3.5). */
  async readAccount(): Promise<MedicalAccount> {
    return parseMedicalAccount(recordsByTag(await readAllRecords(this.channel, BASE_SFI, RECORD_LIMIT, 'DF04 EF05'), 'DF04 EF05'));
  }

  /** GET BALANCE: the account balance, SPIP and SPFP with the payment year. */
  async balances(): Promise<MedicalBalances> {
    const get = (p2: number, le: number, what: string) =>
      this.channel.transmit(new CommandApdu({ cla: 0xb0, ins: 0x26, p1: 0x00, p2, le }), { context: `GET BALANCE (${what})` });
    const account = await get(0x01, 4, 'account');
    const selfPay = await get(0x02, 6, 'SPIP');
    const pooling = await get(0x03, 6, 'SPFP');
    if (account.length !== 4 || selfPay.length !== 6 || pooling.length !== 6)
      throw new BadResponseError('GET BALANCE answered a wrong length');
    return {
      accountFen: bytesToUint(account),
      selfPayFen: bytesToUint(selfPay.subarray(0, 4)),
      poolingFen: bytesToUint(pooling.subarray(0, 4)),
      paymentYear: Number(decodeBcdDigits(selfPay.subarray(4, 6), 'payment year')),
    };
  }

  /**
   * A medical payment (card-spec §7.3): INITIALIZE FOR PURCHASE → the security module's MAC1 →
   * DEBIT FOR PURCHASE → the module checks MAC2. `account` above the balance → ApduError 9401,
   * nothing debited. A lost answer (card removed, timeout) is recovered with GET TRANSACTION
   * PROOF — never a second debit: the result says `recovered`, or TransactionNotDoneError.
   */
  async purchase(p: MedicalPurchase, security: PurchaseSecurity): Promise<PurchaseResult> {
    // INITIALIZE is valid for the next command only: nothing of another caller may come between.
    return this.channel.exclusive(() => this.purchaseExclusive(p, security));
  }

  private async purchaseExclusive(p: MedicalPurchase, security: PurchaseSecurity): Promise<PurchaseResult> {
    const amounts = [p.account, p.selfPay, p.pooling].map((fen, i) => checkAmountField(fen, ['account', 'self-pay', 'pooling'][i]!, i > 0));
    if (p.account === 0) throw new InputError('amount', 'the account amount must be positive');
    const terminalId = await security.terminalId();
    const init = await this.channel.transmit(
      new CommandApdu({
        cla: 0xb0,
        ins: 0x28,
        p1: 0x01,
        p2: 0x01,
        data: concatBytes(Uint8Array.of(KEY_INDEX), ...amounts.map((a) => uintToBytes(a, 4)), terminalId),
        le: 0x16,
      }),
      { context: 'INITIALIZE FOR PURCHASE' },
    );
    if (init.length !== 0x16) throw new BadResponseError(`INITIALIZE FOR PURCHASE answered ${init.length} bytes, expected 22`);
    const balance = bytesToUint(init.subarray(0, 4));
    const offlineSeq = bytesToUint(init.subarray(14, 16));
    const time = encodeBcdDateTime(p.when ?? new Date());
    const { terminalSeq, mac1 } = await security.initPurchase({
      cardRandom: init.slice(18, 22),
      offlineSeq,
      accountFen: p.account,
      selfPayFen: p.selfPay,
      poolingFen: p.pooling,
      type: MEDICAL_TYPE.purchase,
      time,
      keyVersion: init[16]!,
      algorithmId: init[17]!,
      card: await this.card.diversification(),
    });
    const debit = new CommandApdu({
      cla: 0xb0,
      ins: 0x2c,
      p1: 0x01,
      p2: 0x00,
      data: concatBytes(uintToBytes(terminalSeq, 4), time, mac1),
      le: 0x08,
    });
    const done = { terminalSeq, offlineSeq, balanceAfter: balance - p.account };
    let answer: Uint8Array;
    try {
      answer = await this.channel.transmit(debit, { context: 'DEBIT FOR PURCHASE' });
    } catch (error) {
      if (!isLostAnswer(error)) throw error;
      const proof = await this.recover('purchase', offlineSeq, error);
      await security.verifyMac2(proof.mac);
      return { ...done, tac: proof.tac, mac2: proof.mac, recovered: true };
    }
    if (answer.length !== 8) throw new BadResponseError(`DEBIT FOR PURCHASE answered ${answer.length} bytes, expected 8`);
    const mac2 = answer.slice(4, 8);
    await security.verifyMac2(mac2);
    return { ...done, tac: answer.slice(0, 4), mac2, recovered: false };
  }

  /**
   * A load (card-spec §7.2): INITIALIZE FOR LOAD → the host checks MAC1 and answers MAC2 → CREDIT
   * FOR LOAD → TAC. A lost answer is recovered like a purchase's.
   */
  async load(amountFen: number, host: LoadHost, options: { terminalId: Uint8Array }): Promise<LoadResult> {
    return this.channel.exclusive(() => this.loadExclusive(amountFen, host, options));
  }

  private async loadExclusive(amountFen: number, host: LoadHost, options: { terminalId: Uint8Array }): Promise<LoadResult> {
    const amount = checkAmountField(amountFen, 'amount', false);
    if (options.terminalId.length !== 6) throw new InputError('terminal id', 'the terminal id is 6 bytes');
    const init = await this.channel.transmit(
      new CommandApdu({
        cla: 0xb0,
        ins: 0x28,
        p1: 0x00,
        p2: 0x01,
        data: concatBytes(Uint8Array.of(KEY_INDEX), uintToBytes(amount, 4), options.terminalId),
        le: 0x10,
      }),
      { context: 'INITIALIZE FOR LOAD' },
    );
    if (init.length !== 0x10) throw new BadResponseError(`INITIALIZE FOR LOAD answered ${init.length} bytes, expected 16`);
    const balance = bytesToUint(init.subarray(0, 4));
    const onlineSeq = bytesToUint(init.subarray(4, 6));
    const authorization = await host.authorizeLoad({
      card: await this.card.diversification(),
      balanceFen: balance,
      onlineSeq,
      keyVersion: init[6]!,
      algorithmId: init[7]!,
      cardRandom: init.slice(8, 12),
      mac1: init.slice(12, 16),
      amountFen: amount,
      type: MEDICAL_TYPE.load,
      terminalId: options.terminalId,
    });
    const credit = new CommandApdu({
      cla: 0xb0,
      ins: 0x2a,
      p1: 0x00,
      p2: 0x00,
      data: concatBytes(authorization.time, authorization.mac2),
      le: 0x04,
    });
    const done = { onlineSeq, balanceAfter: balance + amount };
    try {
      const tac = await this.channel.transmit(credit, { context: 'CREDIT FOR LOAD' });
      if (tac.length !== 4) throw new BadResponseError(`CREDIT FOR LOAD answered ${tac.length} bytes, expected 4`);
      return { ...done, tac, recovered: false };
    } catch (error) {
      if (!isLostAnswer(error)) throw error;
      return { ...done, tac: (await this.recover('load', onlineSeq, error)).tac, recovered: true };
    }
  }

  /** GET TRANSACTION PROOF: MAC and TAC of the completed transaction `seq`, undefined if the card has none (9406). */
  async transactionProof(type: MedicalTransactionType, seq: number): Promise<{ mac: Uint8Array; tac: Uint8Array } | undefined> {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) throw new InputError('seq', 'the sequence number is 0…65535');
    const r = await this.channel.transmitRaw(
      new CommandApdu({ cla: 0xb0, ins: 0x2e, p1: 0x00, p2: MEDICAL_TYPE[type], data: uintToBytes(seq, 2), le: 0x08 }),
    );
    if (r.sw === 0x9406) return undefined;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, 'GET TRANSACTION PROOF');
    if (r.data.length !== 8) throw new BadResponseError(`GET TRANSACTION PROOF answered ${r.data.length} bytes, expected 8`);
    return { mac: r.data.slice(0, 4), tac: r.data.slice(4, 8) };
  }

  /** The EF08 log, most recent first. */
  async readLog(): Promise<MedicalLogRecord[]> {
    return (await readAllRecords(this.channel, LOG_SFI, LOG_RECORDS, 'DF04 EF08')).map(parseLogRecord);
  }

  /**
   * card-spec §7.4: ask for the card again, check it is the same one (identifier and card number),
   * GET TRANSACTION PROOF. Proof → done; 9406 → not done (TransactionNotDoneError).
   */
  private async recover(type: MedicalTransactionType, seq: number, lost: unknown): Promise<{ mac: Uint8Array; tac: Uint8Array }> {
    const now = await this.card.identify();
    if (now !== this.identity) throw new CardChangedError({ cause: lost });
    await this.selectDf04();
    const proof = await this.transactionProof(type, seq);
    if (proof === undefined) throw new TransactionNotDoneError(type, seq, { cause: lost });
    return proof;
  }
}

function checkAmountField(fen: number, what: string, zeroAllowed: boolean): number {
  if (zeroAllowed && fen === 0) return 0;
  checkAmountFen(fen, what);
  if (fen > 0xffffffff) throw new InputError(what, `${what} does not fit the card field (4 bytes)`);
  return fen;
}

/**
 * The command may have run on the card but its answer never came back. A card reset by a
 * restarted PC/SC service is reachable again at once, so the proof can be asked for as after a
 * removal.
 */
function isLostAnswer(error: unknown): boolean {
  return (
    error instanceof TransportError && (error.reason === 'card-removed' || error.reason === 'card-reset' || error.reason === 'timeout')
  );
}
