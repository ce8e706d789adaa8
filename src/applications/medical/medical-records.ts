import { BadResponseError } from '../../apdu/apdu-error.js';
import { decodeBcdDigits, decodeCn } from '../../bytes/bcd.js';
import { decodeBcdDate } from '../../bytes/bcd-date.js';
import { bytesToUint } from '../../bytes/bytes.js';
import { decodeAn } from '../../bytes/gbk.js';
import { toHex } from '../../bytes/hex.js';
import { isoDateTime } from './medical-time.js';

/** DF04 EF05, medical base data, by the V2 tags of card-spec §3.5. */
export interface MedicalAccount {
  /** Tag 81: insurance type (310, 340, 360, 380, 390, 391). */
  insuranceType: string;
  /** Tag 81's five flag digits: remote care, outpatient pooling, chronic illness, medical aid, special-care subsidy. */
  flags: { remoteCare: boolean; outpatientPooling: boolean; chronicIllness: boolean; medicalAid: boolean; specialCareSubsidy: boolean };
  /** Tag 84: insured region. */
  insuredRegion: string;
  /** Tag 87: health-record number. */
  healthRecordNumber: string;
  /** Tag 8C: insured category (11 employed, 21 retired, …). */
  insuredCategory: string;
  /** Tag 80: account opening date, ISO. */
  accountOpened: string;
  /** Tag 8B: personal account number. */
  personalAccountNumber: string;
  /** Tag 8A: medical certificate number. */
  certificateNumber: string;
  /** Tags 83/86/89, 7D–7F, 8D/8E: designated, work-injury and maternity hospitals (empty ones left out). */
  designatedHospitals: string[];
  workInjuryHospitals: string[];
  maternityHospitals: string[];
  /** Tag 8F: 1 online, 2 offline (the card holds the account: load, purchase). */
  cardUseMode: 'online' | 'offline';
}

/** `tag len value` records of a DF04 file, by tag. */
export function recordsByTag(records: Uint8Array[], what: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const r of records) {
    if (r.length < 2 || r[1]! + 2 > r.length) throw new BadResponseError(`${what}: a record is not one TLV`);
    out.set(r[0]!, r.subarray(2, 2 + r[1]!));
  }
  return out;
}

export function parseMedicalAccount(tags: Map<number, Uint8Array>): MedicalAccount {
  const get = (tag: number) => {
    const v = tags.get(tag);
    if (v === undefined) throw new BadResponseError(`DF04 EF05 has no tag ${tag.toString(16).toUpperCase()}`);
    return v;
  };
  const an = (tag: number) => decodeAn(get(tag));
  const hospitals = (list: number[]) => list.map((t) => (tags.has(t) ? an(t) : '')).filter((h) => h !== '');
  const typeAndFlags = an(0x81).padEnd(8, '0');
  const flag = (i: number) => typeAndFlags[3 + i] === '1';
  return {
    insuranceType: typeAndFlags.slice(0, 3),
    flags: { remoteCare: flag(0), outpatientPooling: flag(1), chronicIllness: flag(2), medicalAid: flag(3), specialCareSubsidy: flag(4) },
    insuredRegion: decodeCn(get(0x84)),
    healthRecordNumber: an(0x87),
    insuredCategory: decodeCn(get(0x8c)),
    accountOpened: decodeBcdDate(get(0x80)),
    personalAccountNumber: an(0x8b),
    certificateNumber: an(0x8a),
    designatedHospitals: hospitals([0x83, 0x86, 0x89]),
    workInjuryHospitals: hospitals([0x7d, 0x7e, 0x7f]),
    maternityHospitals: hospitals([0x8d, 0x8e]),
    cardUseMode: an(0x8f) === '1' ? 'online' : 'offline',
  };
}

/** One record of the DF04 EF08 log (30 × 28 bytes, most recent first). */
export interface MedicalLogRecord {
  seq: number;
  type: 'load' | 'purchase';
  terminalId: string;
  /** ISO local date-time, e.g. 2026-11-23T10:15:30. */
  time: string;
  accountFen: number;
  selfPayFen: number;
  poolingFen: number;
}

export const LOG_RECORD_LENGTH = 28;

/** seq 2 ‖ type '1' load / '2' settlement ‖ terminal 6 ‖ time 7 ‖ account 4 ‖ self-pay 4 ‖ pooling 4. */
export function parseLogRecord(r: Uint8Array): MedicalLogRecord {
  if (r.length !== LOG_RECORD_LENGTH) throw new BadResponseError(`medical log record has ${r.length} bytes, expected 28`);
  if (r[2] !== 0x31 && r[2] !== 0x32) throw new BadResponseError(`medical log record of unknown type ${r[2]!.toString(16)}`);
  return {
    seq: bytesToUint(r.subarray(0, 2)),
    type: r[2] === 0x31 ? 'load' : 'purchase',
    terminalId: toHex(r.subarray(3, 9)),
    time: isoDateTime(decodeBcdDigits(r.subarray(9, 16), 'log time')),
    accountFen: bytesToUint(r.subarray(16, 20)),
    selfPayFen: bytesToUint(r.subarray(20, 24)),
    poolingFen: bytesToUint(r.subarray(24, 28)),
  };
}
