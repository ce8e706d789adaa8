import type { CardKeyCipher } from './card-security.js';
import { CryptoError } from './crypto-error.js';

/**
 * A PSAM key record (card-spec §9.2, P9 §6): usage ‖ id ‖ 00 ‖ algorithm ‖ rights 00 00 ‖ 00 ‖ 00
 * ‖ value. Format 1 (MAC, encryption, load, TAC keys) has the key id in the second byte, format 2
 * (purchase keys) the key version. Shared by the emulated PSAM (which reads its key files) and
 * the profile builder (which writes them).
 *
 * The usage byte: b8–b6 the number of diversification levels between the stored root and the
 * user card's key, b5–b1 the key type (2 purchase, 6 MAC, 7 encryption, 8 MAC + encryption,
 * 9 load, 12 TAC).
 */
export interface PsamKeyRecord {
  usage: number;
  /** The key id (format 1) or key version (format 2). */
  id: number;
  cipher: CardKeyCipher;
  value: Uint8Array;
}

export const PSAM_KEY_TYPE = { purchase: 2, mac: 6, encryption: 7, macAndEncryption: 8, load: 9, tac: 12 } as const;

const HEADER_LENGTH = 8;

/**
 * The algorithm byte (P9 §6: 00 3DES, 01 DES, 02 SSF33). SM4 has no value in the specification;
 * sscard writes 03, the next free one [choice, emulator/applications/psam/README.md].
 */
const ALGORITHM_BYTE: Record<CardKeyCipher, number> = { '3des': 0x00, des: 0x01, sm4: 0x03 };

export function psamKeyLevels(usage: number): number {
  return usage >> 5;
}

export function psamKeyType(usage: number): number {
  return usage & 0x1f;
}

export function encodePsamKeyRecord(record: PsamKeyRecord): Uint8Array {
  const expected = record.cipher === 'des' ? 8 : 16;
  if (record.value.length !== expected) throw new CryptoError('value', `a ${record.cipher} key has ${expected} bytes`);
  const out = new Uint8Array(HEADER_LENGTH + record.value.length);
  out.set([record.usage, record.id, 0x00, ALGORITHM_BYTE[record.cipher], 0x00, 0x00, 0x00, 0x00]);
  out.set(record.value, HEADER_LENGTH);
  return out;
}

/** The record, or undefined when the bytes are not one (unknown algorithm, wrong value length). */
export function decodePsamKeyRecord(bytes: Uint8Array): PsamKeyRecord | undefined {
  const cipher = (Object.keys(ALGORITHM_BYTE) as CardKeyCipher[]).find((c) => ALGORITHM_BYTE[c] === bytes[3]);
  if (cipher === undefined || bytes.length !== HEADER_LENGTH + (cipher === 'des' ? 8 : 16)) return undefined;
  return { usage: bytes[0]!, id: bytes[1]!, cipher, value: bytes.slice(HEADER_LENGTH) };
}
