import { concatBytes, uintToBytes } from '../src/bytes/bytes.js';
import { encodeTlv } from '../src/bytes/tlv.js';
import type { DedicatedFile, ElementaryFile } from './file-system.js';

/**
 * FCI of a DF for SELECT with P2=00: the profile's `fci` if given, else
 * 6F { 84 DF name } (or 6F { 83 FID } for a DF without a name).
 */
export function dfFci(df: DedicatedFile): Uint8Array {
  if (df.fci !== undefined) return df.fci;
  if (df.dfName !== undefined) return encodeTlv(0x6f, encodeTlv(0x84, df.dfName));
  return encodeTlv(0x6f, encodeTlv(0x83, uintToBytes(df.fid ?? 0x3f00, 2)));
}

/** FCP (SELECT P2=04): 62 { 82 descriptor, 83 FID, 84 DF name }. */
export function dfFcp(df: DedicatedFile): Uint8Array {
  const parts = [encodeTlv(0x82, Uint8Array.of(0x38))];
  if (df.fid !== undefined) parts.push(encodeTlv(0x83, uintToBytes(df.fid, 2)));
  if (df.dfName !== undefined) parts.push(encodeTlv(0x84, df.dfName));
  return encodeTlv(0x62, concatBytes(...parts));
}

const DESCRIPTOR = { transparent: 0x01, 'linear-fixed': 0x02, 'linear-variable': 0x04, cyclic: 0x06 } as const;

/**
 * FCP of an EF: 62 { 80 size (transparent), 82 descriptor [+ data coding 21, record size, count],
 * 83 FID, 88 SFI }.
 */
export function efFcp(ef: ElementaryFile): Uint8Array {
  const parts: Uint8Array[] = [];
  if (!ef.isRecordFile) {
    parts.push(encodeTlv(0x80, uintToBytes(ef.size, 2)));
    parts.push(encodeTlv(0x82, Uint8Array.of(DESCRIPTOR.transparent)));
  } else {
    parts.push(encodeTlv(0x82, Uint8Array.of(DESCRIPTOR[ef.structure], 0x21, 0x00, ef.recordSize, ef.records.length)));
  }
  if (ef.fid !== undefined) parts.push(encodeTlv(0x83, uintToBytes(ef.fid, 2)));
  if (ef.sfi !== undefined) parts.push(encodeTlv(0x88, Uint8Array.of(ef.sfi << 3)));
  return encodeTlv(0x62, concatBytes(...parts));
}
