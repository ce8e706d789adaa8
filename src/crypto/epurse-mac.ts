import { uintToBytes } from '../bytes/bytes.js';
import { CryptoError, checkLength } from './crypto-error.js';
import { Des3BlockCipher, DesBlockCipher } from './des.js';
import { padIso9797M2 } from './padding.js';
import { Sm4BlockCipher } from './sm4.js';

/**
 * Transport e-purse (JT/T 978, PBOC e-purse) session keys, MACs and TACs, card-facts §8.
 *
 * '3des' is the published form. 'sm4' is a design by analogy (no public SM4 form was found): the same
 * inputs, padded 80 00.. to the 16-byte block where the DES form pads to 8; 16-byte session keys;
 * SM4-CBC MACs with IV 0 and the first 4 bytes kept; and the TAC key is the DTK itself, since
 * folding it to 8 bytes would not give an SM4 key. The algorithm-id byte of the card picks one.
 */
export type EpurseAlgorithm = '3des' | 'sm4';

function keyCipher(key: Uint8Array, algorithm: EpurseAlgorithm, field: string): { encrypt(d: Uint8Array): Uint8Array } {
  checkLength(field, key, 16);
  return algorithm === '3des' ? new Des3BlockCipher(key) : new Sm4BlockCipher(key);
}

/** Load (credit) session key: 3DES(DLK, rand ‖ onlineATC ‖ 80 00); SM4: SM4(DLK, pad16(rand ‖ onlineATC)). */
export function epurseLoadSessionKey(
  dlk: Uint8Array,
  random4: Uint8Array,
  onlineAtc: number,
  algorithm: EpurseAlgorithm = '3des',
): Uint8Array {
  checkLength('random', random4, 4);
  const input = padIso9797M2(Uint8Array.from([...random4, ...u16('onlineAtc', onlineAtc)]), algorithm === '3des' ? 8 : 16);
  return keyCipher(dlk, algorithm, 'dlk').encrypt(input);
}

/** Purchase session key: 3DES(DPK, rand ‖ offlineATC ‖ last 2 bytes of the terminal sequence); SM4 pads to 16. */
export function epursePurchaseSessionKey(
  dpk: Uint8Array,
  random4: Uint8Array,
  offlineAtc: number,
  terminalTransactionSeq: number,
  algorithm: EpurseAlgorithm = '3des',
): Uint8Array {
  checkLength('random', random4, 4);
  const seq = u32('terminalTransactionSeq', terminalTransactionSeq);
  const input = Uint8Array.from([...random4, ...u16('offlineAtc', offlineAtc), seq[2]!, seq[3]!]);
  return keyCipher(dpk, algorithm, 'dpk').encrypt(algorithm === '3des' ? input : padIso9797M2(input, 16));
}

/** TAC key: left ⊕ right half of the DTK (3DES); the DTK itself (SM4, by analogy). */
export function epurseTacKey(dtk: Uint8Array, algorithm: EpurseAlgorithm = '3des'): Uint8Array {
  checkLength('dtk', dtk, 16);
  if (algorithm === 'sm4') return dtk.slice();
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = dtk[i]! ^ dtk[i + 8]!;
  return out;
}

/**
 * The e-purse MAC: pad 80 00.., CBC with IV 0, first 4 bytes. An 8-byte key means single DES (the
 * 3DES family's session and TAC keys), a 16-byte key means SM4.
 */
export function epurseMac(sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('sessionKey', sessionKey, 8, 16);
  const blockSize = sessionKey.length;
  const cipher = blockSize === 8 ? new DesBlockCipher(sessionKey) : new Sm4BlockCipher(sessionKey);
  const chained = cipher.encryptCbc(padIso9797M2(data, blockSize), new Uint8Array(blockSize));
  return chained.slice(chained.length - blockSize, chained.length - blockSize + 4);
}

/** Fields shared by the load and purchase formulas. Amounts and balances are in fen. */
export interface EpurseTransactionFields {
  amount: number;
  /** 01 ED load, 02 EP load, 05 ED purchase, 06 EP purchase, 09 compound purchase. */
  transactionType: number;
  /** 6 bytes. */
  terminalId: Uint8Array;
}

export interface EpurseDateTime {
  /** YYYYMMDD as 4 BCD bytes. */
  date: Uint8Array;
  /** hhmmss as 3 BCD bytes. */
  time: Uint8Array;
}

/** Load MAC1 (card → terminal): MAC over balance ‖ amount ‖ type ‖ terminal id. */
export function epurseLoadMac1(f: EpurseTransactionFields & { sessionKey: Uint8Array; balance: number }): Uint8Array {
  return epurseMac(f.sessionKey, Uint8Array.from([...u32('balance', f.balance), ...txn(f)]));
}

/** Load MAC2 (host → card): MAC over amount ‖ type ‖ terminal id ‖ date ‖ time. */
export function epurseLoadMac2(f: EpurseTransactionFields & EpurseDateTime & { sessionKey: Uint8Array }): Uint8Array {
  return epurseMac(f.sessionKey, Uint8Array.from([...txn(f), ...dateTime(f)]));
}

/** Load TAC: under the TAC key, over new balance ‖ online ATC ‖ amount ‖ type ‖ terminal id ‖ date ‖ time. */
export function epurseLoadTac(
  f: EpurseTransactionFields & EpurseDateTime & { tacKey: Uint8Array; newBalance: number; onlineAtc: number },
): Uint8Array {
  return epurseMac(
    f.tacKey,
    Uint8Array.from([...u32('newBalance', f.newBalance), ...u16('onlineAtc', f.onlineAtc), ...txn(f), ...dateTime(f)]),
  );
}

/** Purchase MAC1 (terminal/PSAM → card): MAC over amount ‖ type ‖ terminal id ‖ date ‖ time. */
export function epursePurchaseMac1(f: EpurseTransactionFields & EpurseDateTime & { sessionKey: Uint8Array }): Uint8Array {
  return epurseMac(f.sessionKey, Uint8Array.from([...txn(f), ...dateTime(f)]));
}

/** Purchase MAC2 (card → terminal): MAC over the amount alone. */
export function epursePurchaseMac2(f: { sessionKey: Uint8Array; amount: number }): Uint8Array {
  return epurseMac(f.sessionKey, u32('amount', f.amount));
}

/** Purchase TAC: over amount ‖ type ‖ terminal id ‖ terminal transaction sequence ‖ date ‖ time. */
export function epursePurchaseTac(
  f: EpurseTransactionFields & EpurseDateTime & { tacKey: Uint8Array; terminalTransactionSeq: number },
): Uint8Array {
  return epurseMac(f.tacKey, Uint8Array.from([...txn(f), ...u32('terminalTransactionSeq', f.terminalTransactionSeq), ...dateTime(f)]));
}

function txn(f: EpurseTransactionFields): Uint8Array {
  checkLength('terminalId', f.terminalId, 6);
  return Uint8Array.from([...u32('amount', f.amount), ...u8('transactionType', f.transactionType), ...f.terminalId]);
}

function dateTime(f: EpurseDateTime): Uint8Array {
  checkLength('date', f.date, 4);
  checkLength('time', f.time, 3);
  return Uint8Array.from([...f.date, ...f.time]);
}

function uint(field: string, value: number, bytes: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * bytes)) {
    throw new CryptoError(field, `must be an integer in [0, ${2 ** (8 * bytes) - 1}], got ${value}`);
  }
  return uintToBytes(value, bytes);
}
const u8 = (f: string, v: number) => uint(f, v, 1);
const u16 = (f: string, v: number) => uint(f, v, 2);
const u32 = (f: string, v: number) => uint(f, v, 4);
