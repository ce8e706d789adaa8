import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { isContactlessAtr } from '../../apdu/atr.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { decodeBcdDigits, decodeBcdNumber, encodeBcdNumber } from '../../bytes/bcd.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../bytes/bytes.js';
import { buildDolData, type DolEntry, parseDol, splitDolData } from '../../bytes/dol.js';
import { decodeAn } from '../../bytes/gbk.js';
import { toHex } from '../../bytes/hex.js';
import { encodeTlv, findTlv, parseTlv, type Tlv } from '../../bytes/tlv.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { InputError } from '../../errors.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import { getData, readRecordByNumber, selectByName, verify, verifyStatus } from '../iso-commands.js';
import { aidBytes, deepFind, listApplications } from './application-selection.js';
import { maskPan, panFromBcd } from './pan.js';
import { CHINA, INS, OFFLINE_PIN_REFERENCE, TAG } from './pboc-constants.js';
import type {
  ApplicationCandidate,
  ApplicationCryptogram,
  BankCardInfo,
  CryptogramType,
  DeclineReason,
  ElectronicCashInfo,
  QuickPayResult,
  TerminalData,
  TransactionLogEntry,
} from './pboc-records.js';

export interface PbocOpenOptions {
  /** The card's ATR: a PC/SC synthesized contactless ATR (3B 8x 80 01 …) means the PPSE is used. */
  atr?: Uint8Array;
  /** Overrides what the ATR says. */
  contactless?: boolean;
  /** Select this AID (hex) instead of the directory's first choice. */
  aid?: string;
}

/** qPBOC reader: TTQ 36 00 00 80 (qPBOC, contact chip, online PIN, signature; fDDA 01). */
const TTQ_QPBOC = Uint8Array.of(0x36, 0x00, 0x00, 0x80);
/** A reader doing the full contactless PBOC flow (no qPBOC): the card answers AIP/AFL. */
const TTQ_FULL_PBOC = Uint8Array.of(0x40, 0x00, 0x00, 0x00);
const P1_OF: Record<CryptogramType, number> = { AAC: 0x00, TC: 0x40, ARQC: 0x80 };
const TYPE_OF_CID: Record<number, CryptogramType> = { 0: 'AAC', 64: 'TC', 128: 'ARQC' };
const MAX_AMOUNT_FEN = 999_999_999_999;

/**
 * The PBOC 3.0 debit application (UnionPay, with electronic cash and qPBOC "flash pay"):
 * application selection through the PSE (contact) or PPSE (contactless), card data, electronic
 * cash balance and limits, the transaction log, offline PIN, and — for test terminals — the qPBOC
 * purchase and the contact GENERATE AC.
 */
export class PbocSession {
  readonly channel: CardChannel;
  readonly aid: string;
  readonly label: string | undefined;
  readonly contactless: boolean;
  /** What the directory listed (or the known AIDs tried when the card has none). */
  readonly candidates: ApplicationCandidate[];
  /** The ADF's FCI as returned by SELECT. */
  readonly fci: Uint8Array;
  readonly pdol: DolEntry[];
  /** 9F4D: where the transaction log is. */
  readonly logEntry: { sfi: number; records: number } | undefined;

  private constructor(
    channel: CardChannel,
    init: { aid: string; contactless: boolean; candidates: ApplicationCandidate[]; fci: Uint8Array },
  ) {
    this.channel = channel;
    this.aid = init.aid;
    this.contactless = init.contactless;
    this.candidates = init.candidates;
    this.fci = init.fci;
    const fci = parseTlv(init.fci);
    const label = deepFind(fci, TAG.label)?.value;
    this.label = label === undefined ? init.candidates.find((c) => c.aid === init.aid)?.label : new TextDecoder('latin1').decode(label);
    const pdol = deepFind(fci, TAG.pdol)?.value;
    this.pdol = pdol === undefined ? [] : parseDol(pdol, 'PDOL');
    const log = deepFind(fci, TAG.logEntry)?.value;
    this.logEntry = log !== undefined && log.length >= 2 ? { sfi: log[0]!, records: log[1]! } : undefined;
  }

  /**
   * Selects the financial application: the directory's candidates by priority (PPSE when the
   * card is contactless — from `options.contactless` or the ATR — else PSE), the first that the
   * card selects. None: ApplicationNotFoundError; a blocked one (6283): ApduError.
   */
  static async open(channel: CardChannel, options: PbocOpenOptions = {}): Promise<PbocSession> {
    // PSE/PPSE → READ RECORD… → SELECT: the directory and the selection belong together.
    return channel.exclusive(async () => {
      const contactless = options.contactless ?? (options.atr !== undefined && isContactlessAtr(options.atr));
      const candidates =
        options.aid !== undefined ? [{ aid: options.aid.toUpperCase() }] : (await listApplications(channel, contactless)).candidates;
      for (const candidate of candidates) {
        const r = await channel.transmitRaw(selectByName(aidBytes(candidate.aid)));
        if (r.sw === 0x6a82) continue;
        if (r.sw === 0x6283) throw new ApduError(r.sw, r.data, `the financial application ${candidate.aid} is blocked`);
        if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `selecting the financial application ${candidate.aid}`);
        return new PbocSession(channel, { aid: candidate.aid, contactless, candidates, fci: r.data });
      }
      throw new ApplicationNotFoundError('PBOC financial (UnionPay)', 0x6a82);
    });
  }

  /** Selects the ADF again: every transaction starts with a fresh selection. */
  async reselect(): Promise<void> {
    await this.channel.transmit(selectByName(aidBytes(this.aid)), { context: 'selecting the financial application' });
  }

  // --- reading ---------------------------------------------------------------------------------

  /**
   * PAN (masked unless `unmasked`), expiry, cardholder name: starts a transaction (GPO, which
   * counts in the ATC as on every terminal) and reads the AFL records.
   */
  async readCardInfo(options: { unmasked?: boolean } = {}): Promise<BankCardInfo> {
    // SELECT → GPO → READ RECORD…: one transaction on the application just selected.
    return this.channel.exclusive(async () => {
      await this.reselect();
      const ttq = this.contactless ? TTQ_FULL_PBOC : undefined;
      const gpo = await this.getProcessingOptions(this.pdolData(0, { ...(ttq ? { ttq } : {}) }));
      if (gpo.afl === undefined) throw new BadResponseError('GET PROCESSING OPTIONS answered without an AFL');
      const data = await this.readAflRecords(gpo.afl);
      const panBytes = data.get(TAG.pan) ?? data.get(TAG.track2);
      if (panBytes === undefined) throw new BadResponseError('the card records hold no PAN (5A) or track 2 (57)');
      const pan = panFromBcd(panBytes);
      const expiry = data.get(TAG.expiry) ?? expiryFromTrack2(data.get(TAG.track2));
      if (expiry === undefined) throw new BadResponseError('the card records hold no expiry date (5F24)');
      const info: BankCardInfo = {
        aid: this.aid,
        pan: options.unmasked ? pan : maskPan(pan),
        panMasked: !options.unmasked,
        expiryDate: yymmdd(expiry),
      };
      if (this.label !== undefined) info.label = this.label;
      const psn = data.get(TAG.panSequence);
      if (psn !== undefined) info.panSequenceNumber = decodeBcdNumber(psn, 'PAN sequence number');
      const effective = data.get(TAG.effective);
      if (effective !== undefined) info.effectiveDate = yymmdd(effective);
      const name = data.get(TAG.cardholderName);
      if (name !== undefined) info.cardholderName = decodeAn(name).trim();
      const country = data.get(0x5f28);
      if (country !== undefined) info.issuerCountry = toHex(country);
      return info;
    });
  }

  /** GET DATA 9F79: the electronic cash balance in fen. */
  async readElectronicCashBalance(): Promise<number> {
    return decodeBcdNumber(await this.getDataObject(TAG.ecBalance), 'electronic cash balance');
  }

  /** Balance with its limits (9F77 balance limit, 9F78 single-transaction limit, 9F51 currency). */
  async readElectronicCash(): Promise<ElectronicCashInfo> {
    const info: ElectronicCashInfo = { balanceFen: await this.readElectronicCashBalance() };
    const limit = await this.getOptionalDataObject(TAG.ecBalanceLimit);
    if (limit !== undefined) info.balanceLimitFen = decodeBcdNumber(limit, 'balance limit');
    const single = await this.getOptionalDataObject(TAG.ecSingleLimit);
    if (single !== undefined) info.singleTransactionLimitFen = decodeBcdNumber(single, 'single-transaction limit');
    const currency = await this.getOptionalDataObject(TAG.applicationCurrency);
    if (currency !== undefined) info.currencyCode = toHex(currency);
    return info;
  }

  /** GET DATA 9F36: the application transaction counter (65535: the application is locked). */
  async readAtc(): Promise<number> {
    return bytesToUint(await this.getDataObject(TAG.atc));
  }

  /** GET DATA 9F13: the ATC of the last online transaction. */
  async readLastOnlineAtc(): Promise<number> {
    return bytesToUint(await this.getDataObject(TAG.lastOnlineAtc));
  }

  /** The transaction log (9F4D), most recent first, each record decoded with the log format 9F4F. */
  async readTransactionLog(): Promise<TransactionLogEntry[]> {
    if (this.logEntry === undefined) return [];
    const format = parseDol(await this.getDataObject(TAG.logFormat), 'log format 9F4F');
    const entries: TransactionLogEntry[] = [];
    for (let n = 1; n <= this.logEntry.records; n++) {
      const r = await this.channel.transmitRaw(readRecordByNumber(n, this.logEntry.sfi));
      if (r.sw === 0x6a83) break;
      if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `reading log record ${n}`);
      entries.push(decodeLogRecord(format, r.data));
    }
    return entries;
  }

  // --- offline PIN ---------------------------------------------------------------------------------

  /** VERIFY `00 20 00 80 08` with the plaintext PIN in ISO 9564 format 2. Wrong: PinError (tries left). */
  async verifyOfflinePin(pin: string): Promise<void> {
    if (!/^\d{4,12}$/.test(pin)) throw new InputError('pin', 'the offline PIN must be 4 to 12 digits');
    const nibbles = `2${pin.length.toString(16)}${pin}`.padEnd(16, 'F');
    const block = Uint8Array.from({ length: 8 }, (_, i) => Number.parseInt(nibbles.slice(2 * i, 2 * i + 2), 16));
    await this.channel.transmit(verify(block, OFFLINE_PIN_REFERENCE), { context: 'verifying the offline PIN' });
  }

  /** GET DATA 9F17: offline PIN tries left. */
  async offlinePinTriesLeft(): Promise<number> {
    const value = await this.getDataObject(TAG.pinTries);
    return value[0] ?? 0;
  }

  /** VERIFY without data: true when the offline PIN is verified in this session (9000). */
  async offlinePinVerified(): Promise<boolean> {
    const r = await this.channel.transmitRaw(verifyStatus(OFFLINE_PIN_REFERENCE));
    return r.sw === 0x9000;
  }

  // --- test-terminal transactions --------------------------------------------------------------------

  /**
   * qPBOC "flash pay" with electronic cash, as a test terminal runs it on the contactless
   * interface: one GPO carrying the amount. The card approves (TC, balance debited) or declines
   * (AAC, `declineReasons`); both are results, not errors. Amount 0 is sent as is (cards decline it).
   */
  async quickPay(amountFen: number, terminal: TerminalData = {}): Promise<QuickPayResult> {
    // SELECT → GPO → READ RECORD…: one transaction on the application just selected.
    return this.channel.exclusive(async () => {
      if (!Number.isSafeInteger(amountFen) || amountFen < 0 || amountFen > MAX_AMOUNT_FEN) {
        throw new InputError('amount', `amount must be a whole number of fen, 0..${MAX_AMOUNT_FEN}, got ${amountFen}`);
      }
      if (!this.contactless)
        throw new InputError('interface', 'quickPay is the contactless qPBOC flow: open the session on the contactless interface');
      await this.reselect();
      const pdolData = this.pdolData(amountFen, { ...terminal, ttq: terminal.ttq ?? TTQ_QPBOC });
      const gpo = await this.getProcessingOptions(pdolData);
      const t = gpo.template;
      const cryptogram = findTlv(t, TAG.cryptogram)?.value;
      if (cryptogram === undefined)
        throw new BadResponseError('the card did not answer the qPBOC GPO with a cryptogram (9F26): no qPBOC on this card');
      const track2 = requireTag(t, TAG.track2, 'qPBOC answer');
      const iad = findTlv(t, TAG.iad)?.value ?? new Uint8Array(0);
      const cid = findTlv(t, TAG.cid)?.value[0] ?? 0x00;
      const type = TYPE_OF_CID[cid & 0xc0] ?? 'AAC';
      const psn = findTlv(t, TAG.panSequence)?.value;
      const balance = findTlv(t, TAG.availableOfflineAmount)?.value;
      const result: QuickPayResult = {
        type,
        cid,
        approved: type === 'TC',
        amountFen,
        atc: bytesToUint(requireTag(t, TAG.atc, 'qPBOC answer')),
        cryptogram,
        iad,
        aip: gpo.aip,
        transactionData: pdolData,
        pan: panFromBcd(track2),
        panSequenceNumber: psn === undefined ? 0 : decodeBcdNumber(psn, 'PAN sequence number'),
        declineReasons: type === 'TC' ? [] : declineReasons(iad),
      };
      if (balance !== undefined) result.balanceAfterFen = decodeBcdNumber(balance, 'available offline spending amount');
      return result;
    });
  }

  /**
   * The contact (or full contactless PBOC) flow up to the first GENERATE AC: GPO, AFL records,
   * GENERATE AC with CDOL1 data for `amountFen`. Returns the cryptogram with what an issuer needs.
   */
  async requestCryptogram(type: CryptogramType, amountFen: number, terminal: TerminalData = {}): Promise<ApplicationCryptogram> {
    // SELECT → GPO → GENERATE AC: one transaction on the application just selected.
    return this.channel.exclusive(async () => {
      if (!Number.isSafeInteger(amountFen) || amountFen < 0 || amountFen > MAX_AMOUNT_FEN) {
        throw new InputError('amount', `amount must be a whole number of fen, got ${amountFen}`);
      }
      await this.reselect();
      const ttq = terminal.ttq ?? (this.contactless ? TTQ_FULL_PBOC : undefined);
      const gpo = await this.getProcessingOptions(this.pdolData(amountFen, { ...terminal, ...(ttq ? { ttq } : {}) }));
      if (gpo.afl === undefined) throw new BadResponseError('GET PROCESSING OPTIONS answered without an AFL');
      const records = await this.readAflRecords(gpo.afl);
      const cdol1 = records.get(TAG.cdol1);
      if (cdol1 === undefined) throw new BadResponseError('the card records hold no CDOL1 (8C)');
      const panBytes = records.get(TAG.pan) ?? records.get(TAG.track2);
      if (panBytes === undefined) throw new BadResponseError('the card records hold no PAN');
      const transactionData = buildDolData(parseDol(cdol1, 'CDOL1'), this.terminalValues(amountFen, terminal));
      const answer = await this.channel.transmit(
        new CommandApdu({ cla: 0x80, ins: INS.generateAc, p1: P1_OF[type], p2: 0x00, data: transactionData, le: 256 }),
        { context: 'GENERATE AC' },
      );
      const t = responseTemplate(answer, 'GENERATE AC');
      const cid = requireTag(t, TAG.cid, 'GENERATE AC')[0]!;
      const psn = records.get(TAG.panSequence);
      return {
        type: TYPE_OF_CID[cid & 0xc0] ?? 'AAC',
        cid,
        atc: bytesToUint(requireTag(t, TAG.atc, 'GENERATE AC')),
        cryptogram: requireTag(t, TAG.cryptogram, 'GENERATE AC'),
        iad: findTlv(t, TAG.iad)?.value ?? new Uint8Array(0),
        aip: gpo.aip,
        transactionData,
        pan: panFromBcd(panBytes),
        panSequenceNumber: psn === undefined ? 0 : decodeBcdNumber(psn, 'PAN sequence number'),
      };
    });
  }

  // --- internals -----------------------------------------------------------------------------------

  private terminalValues(amountFen: number, terminal: TerminalData): Map<number, Uint8Array> {
    const date = terminal.date ?? new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new InputError('date', `transaction date must be YYYY-MM-DD, got "${date}"`);
    const un = terminal.unpredictableNumber ?? crypto.getRandomValues(new Uint8Array(4));
    const values = new Map<number, Uint8Array>([
      [TAG.amount, encodeBcdNumber(amountFen, 6, 'amount')],
      [TAG.otherAmount, new Uint8Array(6)],
      [TAG.terminalCountry, uintToBytes(terminal.countryCode ?? CHINA, 2)],
      [TAG.tvr, new Uint8Array(5)],
      [TAG.currency, uintToBytes(terminal.currencyCode ?? CHINA, 2)],
      [TAG.date, encodeBcdNumber(date.slice(2).replace(/-/g, ''), 3, 'date')],
      [TAG.transactionType, Uint8Array.of(terminal.transactionType ?? 0)],
      [TAG.unpredictableNumber, un],
    ]);
    if (terminal.ttq !== undefined) values.set(TAG.ttq, terminal.ttq);
    return values;
  }

  private pdolData(amountFen: number, terminal: TerminalData): Uint8Array {
    return buildDolData(this.pdol, this.terminalValues(amountFen, terminal));
  }

  private async getProcessingOptions(pdolData: Uint8Array): Promise<{ aip: Uint8Array; afl: Uint8Array | undefined; template: Tlv[] }> {
    const data = concatBytes(encodeTlv(0x83, pdolData));
    const answer = await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: INS.gpo, p1: 0, p2: 0, data, le: 256 }), {
      context: 'GET PROCESSING OPTIONS',
    });
    const objects = parseTlv(answer);
    const format1 = findTlv(objects, TAG.responseFormat1);
    if (format1 !== undefined) {
      if (format1.value.length < 2) throw new BadResponseError('GPO format 1 answer shorter than the AIP');
      return { aip: format1.value.slice(0, 2), afl: format1.value.slice(2), template: [] };
    }
    const t = responseTemplate(answer, 'GET PROCESSING OPTIONS');
    return { aip: requireTag(t, TAG.aip, 'GET PROCESSING OPTIONS'), afl: findTlv(t, TAG.afl)?.value, template: t };
  }

  /** Reads every record the AFL names; returns the primitive data elements of their 70 templates. */
  private async readAflRecords(afl: Uint8Array): Promise<Map<number, Uint8Array>> {
    if (afl.length % 4 !== 0) throw new BadResponseError(`AFL of ${afl.length} bytes is not a multiple of 4`);
    const out = new Map<number, Uint8Array>();
    for (let i = 0; i < afl.length; i += 4) {
      const sfi = afl[i]! >> 3;
      for (let n = afl[i + 1]!; n <= afl[i + 2]!; n++) {
        const data = await this.channel.transmit(readRecordByNumber(n, sfi), { context: `reading SFI ${sfi} record ${n}` });
        const template = findTlv(parseTlv(data), TAG.recordTemplate);
        if (template === undefined) throw new BadResponseError(`SFI ${sfi} record ${n} is not a 70 template`);
        for (const o of template.children ?? []) if (!o.constructed && !out.has(o.tag)) out.set(o.tag, o.value);
      }
    }
    return out;
  }

  private async getDataObject(tag: number): Promise<Uint8Array> {
    const value = await this.getOptionalDataObject(tag, false);
    return value as Uint8Array;
  }

  private async getOptionalDataObject(tag: number, optional = true): Promise<Uint8Array | undefined> {
    const what = `GET DATA ${tag.toString(16).toUpperCase()}`;
    const r = await this.channel.transmitRaw(getData(tag));
    if (optional && (r.sw === 0x6a88 || r.sw === 0x6a81)) return undefined;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, what);
    const hit = findTlv(parseTlv(r.data), tag);
    if (hit === undefined) throw new BadResponseError(`${what}: the card answered another data object`);
    return hit.value;
  }
}

function responseTemplate(answer: Uint8Array, what: string): Tlv[] {
  const t = findTlv(parseTlv(answer), TAG.responseFormat2);
  if (t === undefined) throw new BadResponseError(`${what}: the answer is not a 77 template`);
  return t.children ?? [];
}

function requireTag(objects: Tlv[], tag: number, what: string): Uint8Array {
  const hit = findTlv(objects, tag);
  if (hit === undefined) throw new BadResponseError(`${what}: no ${tag.toString(16).toUpperCase()} in the answer`);
  return hit.value;
}

/** YYMMDD (n6 BCD) → YYYY-MM-DD (PBOC cards: 20YY). */
function yymmdd(bytes: Uint8Array): string {
  const d = decodeBcdDigits(bytes, 'date');
  return `20${d.slice(0, 2)}-${d.slice(2, 4)}-${d.slice(4, 6)}`;
}

/** YYMM after the D separator of track 2 → the last day of that month. */
function expiryFromTrack2(track2: Uint8Array | undefined): Uint8Array | undefined {
  if (track2 === undefined) return undefined;
  const text = toHex(track2);
  const at = text.indexOf('D');
  if (at < 0) return undefined;
  const yymm = text.slice(at + 1, at + 5);
  const last = new Date(Date.UTC(2000 + Number(yymm.slice(0, 2)), Number(yymm.slice(2, 4)), 0)).getUTCDate();
  return encodeBcdNumber(`${yymm}${last}`, 3);
}

/** CVR byte 2 of an IAD laid out as `07 DKI CVN 03 b1 b2 b3 …` (PBOC, the emulator's card). */
function declineReasons(iad: Uint8Array): DeclineReason[] {
  if (iad.length < 7 || iad[3] !== 0x03) return [];
  const b2 = iad[5]!;
  const out: DeclineReason[] = [];
  if (b2 & 0x80) out.push('zero-amount');
  if (b2 & 0x40) out.push('over-single-limit');
  if (b2 & 0x20) out.push('insufficient-balance');
  if (b2 & 0x10) out.push('wrong-currency');
  return out;
}

/** One log record → named fields (by the tags of the log format) and every field as hex. */
export function decodeLogRecord(format: readonly DolEntry[], record: Uint8Array): TransactionLogEntry {
  const values = splitDolData(format, record, 'log record');
  const entry: TransactionLogEntry = { fields: {} };
  for (const [tag, value] of values) {
    entry.fields[tag.toString(16).toUpperCase()] = toHex(value);
    switch (tag) {
      case TAG.date:
        entry.date = yymmdd(value);
        break;
      case TAG.time: {
        const t = decodeBcdDigits(value, 'time');
        entry.time = `${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
        break;
      }
      case TAG.amount:
        entry.amountFen = decodeBcdNumber(value, 'amount');
        break;
      case TAG.otherAmount:
        entry.otherAmountFen = decodeBcdNumber(value, 'other amount');
        break;
      case TAG.terminalCountry:
        entry.countryCode = toHex(value);
        break;
      case TAG.currency:
        entry.currencyCode = toHex(value);
        break;
      case TAG.transactionType:
        entry.transactionType = value[0];
        break;
      case TAG.merchantName:
        entry.merchantName = decodeAn(value).trim();
        break;
      case TAG.atc:
        entry.atc = bytesToUint(value);
        break;
    }
  }
  return entry;
}
