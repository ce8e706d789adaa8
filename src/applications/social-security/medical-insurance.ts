import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { checkAmountFen } from '../../bytes/amount.js';
import { decodeBcdDigits, decodeCn } from '../../bytes/bcd.js';
import { decodeBcdDate } from '../../bytes/bcd-date.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../bytes/bytes.js';
import { decodeAn } from '../../bytes/gbk.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import { encodePinBcd } from '../../bytes/pin-bcd.js';
import type { CardChannel } from '../../channel/card-channel.js';
import type { KeyProvider } from '../../channel/key-provider.js';
import type { SecureMessaging } from '../../channel/secure-messaging.js';
import { InputError } from '../../errors.js';
import { readRecordByNumber, readRecordByTag, selectByFid, selectByName, verify } from '../iso-commands.js';
import { tlvRecordValue } from '../tlv-record.js';
import { MEDICAL_DF_FID, MEDICAL_DF_NAME, SSSE_KEYS } from './ssse-constants.js';

/** DF04 base data and amounts (card-facts §3; the amount records are sscard's documented layout). */
export interface MedicalAccount {
  insuranceType: string;
  insuredRegion: string;
  personnelCategory: string;
  accountStatus: string;
  insuredSince: string;
  /** Medical account balance, fen. */
  balanceFen: number;
  /** Total settled offline and not yet uploaded, fen. */
  offlineSettledFen: number;
}

/** One record of the DF04 EF08 log (30 × 28 bytes, most recent first). */
export interface MedicalTransaction {
  seq: number;
  type: 'debit' | 'other';
  terminalId: string;
  /** ISO date-time, e.g. 2026-11-23T10:15:00 */
  time: string;
  amountFen: number;
  balanceBeforeFen: number;
  balanceAfterFen: number;
}

export interface MedicalDebitTerminal {
  /** 6-byte terminal id, hex (12 hex digits). */
  terminalId: string;
  /** The terminal's keys: RK1DF04 (card key 84) authenticates the terminal to DF04. */
  keys: KeyProvider;
  /** Transaction time (default: now). */
  when?: Date;
}

export interface MedicalDebitResult {
  balanceAfterFen: number;
  seq: number;
}

const AMOUNTS_EF = 0xef06;
const BASE_EF = 0xef05;
const LOG_EF = 0xef08;
const LOG_RECORDS = 30;

/**
 * The medical insurance DF04 after its PIN was verified: what a hospital or pharmacy POS reads
 * and debits. Get one from `SocialSecuritySession.openMedical(pin)`.
 */
export class MedicalInsurance {
  private constructor(
    private readonly channel: CardChannel,
    private readonly security: ((keys: KeyProvider) => Promise<SecureMessaging>) | undefined,
  ) {}

  static async open(
    channel: CardChannel,
    pin: string,
    security: ((keys: KeyProvider) => Promise<SecureMessaging>) | undefined,
  ): Promise<MedicalInsurance> {
    const selected = await channel.transmitRaw(selectByName(MEDICAL_DF_NAME));
    if (selected.sw !== 0x9000)
      await channel.transmit(selectByFid(MEDICAL_DF_FID, 0x01), { context: 'selecting DF04 (medical insurance)' });
    await channel.transmit(verify(encodePinBcd(pin)), { context: 'verifying the PIN for medical insurance' });
    return new MedicalInsurance(channel, security);
  }

  async readAccount(): Promise<MedicalAccount> {
    await this.channel.transmit(selectByFid(BASE_EF, 0x02), { context: 'selecting DF04 EF05' });
    const base = async (tag: number) => this.tagged(tag, 'EF05');
    const account = {
      insuranceType: decodeAn(await base(0x80)),
      insuredRegion: decodeCn(await base(0x81)),
      personnelCategory: decodeAn(await base(0x82)),
      accountStatus: decodeAn(await base(0x83)),
      insuredSince: decodeBcdDate(await base(0x84)),
    };
    await this.channel.transmit(selectByFid(AMOUNTS_EF, 0x02), { context: 'selecting DF04 EF06' });
    return {
      ...account,
      balanceFen: bytesToUint(await this.tagged(0x93, 'EF06')),
      offlineSettledFen: bytesToUint(await this.tagged(0x92, 'EF06')),
    };
  }

  /**
   * Debits the medical account offline. The terminal first authenticates with key 84 (its PSAM),
   * then MEDICAL DEBIT writes balance, offline total and log record in one atomic card write.
   * Insufficient balance → ApduError 9401, nothing written.
   */
  async debit(amountFen: number, terminal: MedicalDebitTerminal): Promise<MedicalDebitResult> {
    checkAmountFen(amountFen);
    if (amountFen > 0xffffffff) throw new InputError('amount', 'amount does not fit the card field (4 bytes)');
    const terminalId = fromHex(terminal.terminalId, 'terminal id');
    if (terminalId.length !== 6) throw new InputError('terminal id', 'terminal id must be 6 bytes (12 hex digits)');
    if (!this.security) throw new BadResponseError('the DF04 key is diversified with the ATR: open the session with { atr }');
    const security = await this.security(terminal.keys);
    await security.externalAuthenticate('RK1DF04', SSSE_KEYS.RK1DF04);
    const when = terminal.when ?? new Date();
    const data = concatBytes(uintToBytes(amountFen, 4), terminalId, bcdDateTime(when));
    const answer = await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0x54, p1: 0x02, p2: 0x00, data, le: 6 }), {
      context: 'debiting the medical account',
    });
    if (answer.length !== 6) throw new BadResponseError(`MEDICAL DEBIT answered ${answer.length} bytes, expected 6`);
    return { balanceAfterFen: bytesToUint(answer.subarray(0, 4)), seq: bytesToUint(answer.subarray(4, 6)) };
  }

  /** The log, most recent first (empty records skipped). */
  async readTransactions(): Promise<MedicalTransaction[]> {
    await this.channel.transmit(selectByFid(LOG_EF, 0x02), { context: 'selecting DF04 EF08' });
    const out: MedicalTransaction[] = [];
    for (let n = 1; n <= LOG_RECORDS; n++) {
      const r = await this.channel.transmitRaw(readRecordByNumber(n));
      if (r.sw === 0x6a83) break;
      if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `reading medical log record ${n}`);
      if (r.data.length !== 28) throw new BadResponseError(`medical log record ${n} has ${r.data.length} bytes, expected 28`);
      out.push(parseLogRecord(r.data));
    }
    return out;
  }

  private async tagged(tag: number, ef: string): Promise<Uint8Array> {
    const what = `reading tag ${tag.toString(16).toUpperCase()} of DF04 ${ef}`;
    const data = await this.channel.transmit(readRecordByTag(tag), { context: what });
    return tlvRecordValue(data, tag, what);
  }
}

function bcdDateTime(d: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const text = `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return fromHex(text);
}

export function parseLogRecord(r: Uint8Array): MedicalTransaction {
  const t = decodeBcdDigits(r.subarray(9, 16), 'log time');
  return {
    seq: bytesToUint(r.subarray(0, 2)),
    type: r[2] === 0x01 ? 'debit' : 'other',
    terminalId: toHex(r.subarray(3, 9)),
    time: `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`,
    amountFen: bytesToUint(r.subarray(16, 20)),
    balanceBeforeFen: bytesToUint(r.subarray(20, 24)),
    balanceAfterFen: bytesToUint(r.subarray(24, 28)),
  };
}
