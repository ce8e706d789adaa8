import { CardStatus, SW } from '../../card-status.js';
import type { DedicatedFile, ElementaryFile } from '../../file-system.js';

/** Tags of DF04 EF06 records: the offline settlement total and the account balance (4-byte fen). */
export const OFFLINE_TOTAL_TAG = 0x92;
export const BALANCE_TAG = 0x93;
/** DF04 EF08: the cyclic medical transaction log. */
export const LOG_FID = 0xef08;
export const AMOUNTS_FID = 0xef06;
export const LOG_RECORD_LENGTH = 28;

export function medicalEf(df: DedicatedFile, fid: number): ElementaryFile {
  const ef = df.elementaryFiles().find((f) => f.fid === fid);
  if (!ef) throw new CardStatus(SW.FILE_NOT_FOUND, `DF04 has no EF ${fid.toString(16)}`);
  return ef;
}

/** Index of the record `tag 04 value(4)` in EF06. */
export function amountRecordIndex(ef: ElementaryFile, tag: number): number {
  const i = ef.records.findIndex((r) => r[0] === tag && r[1] === 4 && r.length === 6);
  if (i < 0) throw new CardStatus(SW.RECORD_NOT_FOUND, `EF06 has no amount record ${tag.toString(16)}`);
  return i;
}

export function readAmount(ef: ElementaryFile, tag: number): number {
  const r = ef.records[amountRecordIndex(ef, tag)]!;
  return ((r[2]! << 24) >>> 0) + (r[3]! << 16) + (r[4]! << 8) + r[5]!;
}

export function amountRecord(tag: number, fen: number): Uint8Array {
  return Uint8Array.of(tag, 4, fen >>> 24, (fen >>> 16) & 0xff, (fen >>> 8) & 0xff, fen & 0xff);
}
