import { CryptoError, checkLength } from './crypto-error.js';
import { DES_BLOCK_SIZE, Des3BlockCipher, DesBlockCipher } from './des.js';
import { applyPadding, type BlockPadding } from './padding.js';
import { SM4_BLOCK_SIZE, Sm4BlockCipher } from './sm4.js';

export interface RetailMacOptions {
  /** Default eight zero bytes. */
  iv?: Uint8Array;
  /** Default 'iso9797-m2'. */
  padding?: BlockPadding;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with a 16-byte key K1‖K2: single-DES CBC under K1
 * over every block, then the last result is decrypted with K2 and encrypted with K1 — the same as
 * 3DES on the last block. Returns the full 8 bytes.
 */
export function retailMac(key16: Uint8Array, data: Uint8Array, options: RetailMacOptions = {}): Uint8Array {
  checkLength('macKey', key16, 16);
  const iv = options.iv ?? new Uint8Array(DES_BLOCK_SIZE);
  checkLength('iv', iv, DES_BLOCK_SIZE);
  const padded = applyPadding(data, options.padding ?? 'iso9797-m2', DES_BLOCK_SIZE);
  const chained = new DesBlockCipher(key16.subarray(0, 8)).encryptCbc(padded, iv);
  const last = chained.subarray(chained.length - DES_BLOCK_SIZE);
  const k2 = new DesBlockCipher(key16.subarray(8, 16));
  return new DesBlockCipher(key16.subarray(0, 8)).encrypt(k2.decrypt(last));
}

/** ANSI X9.19 retail MAC: algorithm 3 with zero padding (method 1) and a zero IV; 8 bytes. */
export function x919RetailMac(key16: Uint8Array, data: Uint8Array): Uint8Array {
  return retailMac(key16, data, { padding: 'iso9797-m1' });
}

/** Full 3DES CBC-MAC: every block under 3DES (some cards use this instead of the retail form). */
export function tripleDesCbcMac(key: Uint8Array, data: Uint8Array, options: RetailMacOptions = {}): Uint8Array {
  const iv = options.iv ?? new Uint8Array(DES_BLOCK_SIZE);
  checkLength('iv', iv, DES_BLOCK_SIZE);
  const padded = applyPadding(data, options.padding ?? 'iso9797-m2', DES_BLOCK_SIZE);
  const chained = new Des3BlockCipher(key).encryptCbc(padded, iv);
  return chained.slice(chained.length - DES_BLOCK_SIZE);
}

/** Single-DES CBC-MAC (ISO 9797-1 algorithm 1) under an 8-byte key; 8 bytes. */
export function desCbcMac(key8: Uint8Array, data: Uint8Array, options: RetailMacOptions = {}): Uint8Array {
  checkLength('macKey', key8, 8);
  const iv = options.iv ?? new Uint8Array(DES_BLOCK_SIZE);
  checkLength('iv', iv, DES_BLOCK_SIZE);
  const padded = applyPadding(data, options.padding ?? 'iso9797-m2', DES_BLOCK_SIZE);
  const chained = new DesBlockCipher(key8).encryptCbc(padded, iv);
  return chained.slice(chained.length - DES_BLOCK_SIZE);
}

/** Which 3DES MAC construction a PBOC card uses; 'retail' is PBOC's (and the default). */
export type Pboc3desVariant = 'retail' | 'full';

/**
 * PBOC secure-messaging MAC (card-facts §5): pad 80 00.., IV = the 8-byte challenge, 3DES MAC,
 * first 4 bytes. PBOC's 3DES MAC is the retail construction (single DES with the left key, 3DES on
 * the last block); `variant: 'full'` runs 3DES on every block for cards that do that.
 */
export function pbocMac3des(
  key16: Uint8Array,
  challenge8: Uint8Array,
  data: Uint8Array,
  options: { variant?: Pboc3desVariant } = {},
): Uint8Array {
  checkLength('challenge', challenge8, 8);
  const mac =
    (options.variant ?? 'retail') === 'retail'
      ? retailMac(key16, data, { iv: challenge8 })
      : tripleDesCbcMac(key16, data, { iv: challenge8 });
  return mac.slice(0, 4);
}

/** SM4 CBC-MAC: pads (method 2 unless told), encrypts in CBC from `iv`, returns the last 16-byte block. */
export function sm4CbcMac(key16: Uint8Array, iv16: Uint8Array, data: Uint8Array, padding: BlockPadding = 'iso9797-m2'): Uint8Array {
  checkLength('iv', iv16, SM4_BLOCK_SIZE);
  const padded = applyPadding(data, padding, SM4_BLOCK_SIZE);
  const chained = new Sm4BlockCipher(key16).encryptCbc(padded, iv16);
  return chained.slice(chained.length - SM4_BLOCK_SIZE);
}

/**
 * The 3rd-generation card's SM4 secure-messaging MAC (card-facts §5): pad 80 00.. to 16, SM4-CBC with
 * IV = the challenge (an 8-byte challenge is extended with eight 00 bytes), MAC = XOR of the last
 * block's four 4-byte words. `data` is CLA INS P1 P2 Lc ‖ command data, as the caller builds it.
 */
export function sm4SecureMessagingMac(key16: Uint8Array, challenge: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('challenge', challenge, 8, 16);
  const iv = new Uint8Array(16);
  iv.set(challenge);
  const last = sm4CbcMac(key16, iv, data);
  const mac = new Uint8Array(4);
  for (let i = 0; i < 16; i++) mac[i & 3]! ^= last[i]!;
  return mac;
}

/** Throws unless `bytes` has `length` bytes; shared by the MAC callers that take fixed fields. */
export function expectBytes(field: string, bytes: Uint8Array, length: number): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new CryptoError(field, `expected ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  return bytes;
}
