import { CryptoError, checkLength } from './crypto-error.js';
import { DES_BLOCK_SIZE, Des3BlockCipher, DesBlockCipher } from './des.js';
import { padIso9797M2 } from './padding.js';
import { SM4_BLOCK_SIZE, Sm4BlockCipher } from './sm4.js';

/**
 * The social security card's security mechanisms (card-spec §4.3, §5; Parts 4 and 9): key
 * diversification, session keys, authentication data, the secure-messaging MAC and the encrypted
 * data field. One implementation for the terminal (software key provider, software HSM) and the
 * emulated card, so both sides compute every formula with the same code.
 *
 * `des` is a single-length (8-byte) DES key such as STK on a DES card; `3des` a double-length
 * (16-byte) key; both work on 8-byte blocks. `sm4` works on 16-byte blocks. (SSF33 is not
 * implemented: no public algorithm.)
 */
export type CardKeyCipher = 'des' | '3des' | 'sm4';

/** The secure-messaging MAC at the end of a protected command's data (P4 §8.2). */
export const SM_MAC_LENGTH = 4;

export function cipherBlockSize(cipher: CardKeyCipher): 8 | 16 {
  return cipher === 'sm4' ? SM4_BLOCK_SIZE : DES_BLOCK_SIZE;
}

export function cipherKeyLength(cipher: CardKeyCipher): 8 | 16 {
  return cipher === 'des' ? 8 : 16;
}

function encryptEcb(cipher: CardKeyCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('key', key, cipherKeyLength(cipher));
  if (cipher === 'sm4') return new Sm4BlockCipher(key).encrypt(data);
  return cipher === 'des' ? new DesBlockCipher(key).encrypt(data) : new Des3BlockCipher(key).encrypt(data);
}

function decryptEcb(cipher: CardKeyCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('key', key, cipherKeyLength(cipher));
  if (cipher === 'sm4') return new Sm4BlockCipher(key).decrypt(data);
  return cipher === 'des' ? new DesBlockCipher(key).decrypt(data) : new Des3BlockCipher(key).decrypt(data);
}

/** The algorithm a session key of `cipher` uses: DES and 3DES keys give a single-length DES key. */
export function sessionCipher(cipher: CardKeyCipher): CardKeyCipher {
  return cipher === 'sm4' ? 'sm4' : 'des';
}

function complement(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => ~b & 0xff);
}

/**
 * One diversification level (P9 §7.1.1, §7.2.1): single-length DES(K, F); double-length
 * 3DES(K, F) ‖ 3DES(K, ¬F); 16-byte block ciphers E(K, F ‖ ¬F) (P9 gives this form for SSF33;
 * SM4 follows it, as the 16-byte-block algorithm of the 3.00 cards).
 */
export function diversifyCardKey(cipher: CardKeyCipher, parent: Uint8Array, factor: Uint8Array): Uint8Array {
  checkLength('factor', factor, 8);
  if (cipher === 'des') return encryptEcb('des', parent, factor);
  if (cipher === '3des') {
    const out = new Uint8Array(16);
    out.set(encryptEcb('3des', parent, factor), 0);
    out.set(encryptEcb('3des', parent, complement(factor)), 8);
    return out;
  }
  const input = new Uint8Array(16);
  input.set(factor, 0);
  input.set(complement(factor), 8);
  return encryptEcb('sm4', parent, input);
}

/** Applies the levels in order (province, city, card…): the card's key from a PSAM's or HSM's root. */
export function diversifyCardKeyLevels(cipher: CardKeyCipher, root: Uint8Array, factors: readonly Uint8Array[]): Uint8Array {
  let key: Uint8Array = root.slice();
  for (const factor of factors) {
    const next = diversifyCardKey(cipher, key, factor);
    key.fill(0);
    key = next;
  }
  return key;
}

/**
 * Session key (P4 §8.4): the random (4, 8 or 16 bytes) padded right with 00 to one block and
 * encrypted under the key: DES → DES(K, r8); 3DES → DES_KL(DES⁻¹_KR(DES_KL(r8))), an 8-byte key;
 * SM4 → SM4(K, r16). The random is the card's current challenge (the "process factor").
 */
export function deriveSessionKey(cipher: CardKeyCipher, key: Uint8Array, random: Uint8Array): Uint8Array {
  const block = cipherBlockSize(cipher);
  if (random.length === 0 || random.length > block || ![4, 8, 16].includes(random.length)) {
    throw new CryptoError('random', `expected 4, 8 or 16 bytes (at most one ${block}-byte block), got ${random.length}`);
  }
  const input = new Uint8Array(block);
  input.set(random);
  return encryptEcb(cipher, key, input);
}

/**
 * Authentication data (P4 §9; P9 §9.4.1): SK = session key under `processFactor`; 8-byte block
 * DES(SK, original); 16-byte block L ⊕ R where L ‖ R = SM4(SK, original ‖ 00×8). Always 8 bytes.
 * EXTERNAL AUTHENTICATE (the terminal proves the key) and INTERNAL AUTHENTICATE (the card does).
 */
export function authenticationData(cipher: CardKeyCipher, key: Uint8Array, processFactor: Uint8Array, original: Uint8Array): Uint8Array {
  checkLength('original', original, 8);
  const sessionKey = deriveSessionKey(cipher, key, processFactor);
  try {
    if (cipher !== 'sm4') return encryptEcb('des', sessionKey, original);
    const input = new Uint8Array(16);
    input.set(original);
    const out = encryptEcb('sm4', sessionKey, input);
    const auth = new Uint8Array(8);
    for (let i = 0; i < 8; i++) auth[i] = out[i]! ^ out[i + 8]!;
    return auth;
  } finally {
    sessionKey.fill(0);
  }
}

/**
 * CBC-MAC of P4 §8.2 under an already derived key, IV zero, padding 80 00… (always at least one
 * byte): 8-byte blocks → first 4 bytes of the last block; 16-byte blocks → XOR of its four words.
 * The medical purse's MAC1/MAC2/TAC (no header) use the same construction.
 */
export function cardMac(cipher: CardKeyCipher, macKey: Uint8Array, data: Uint8Array): Uint8Array {
  const block = cipherBlockSize(cipher);
  return cardMacOfBlocks(cipher, macKey, new Uint8Array(block), padIso9797M2(data, block));
}

/**
 * The same CBC-MAC over data that is already whole blocks, from `iv`: what a PSAM's CIPHER DATA
 * computes (the terminal pads; P9 §9.3 lets the first block be the IV).
 */
export function cardMacOfBlocks(cipher: CardKeyCipher, macKey: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Uint8Array {
  const block = cipherBlockSize(cipher);
  return macOfLastBlock(cbcChain(cipher, macKey, iv, blocks).subarray(0, block));
}

/** CBC over whole blocks from `iv`: the last cipher block, which chains into the next part of a long MAC. */
export function cbcChain(cipher: CardKeyCipher, key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Uint8Array {
  const block = cipherBlockSize(cipher);
  checkLength('iv', iv, block);
  if (blocks.length === 0 || blocks.length % block !== 0) throw new CryptoError('data', `expected whole ${block}-byte blocks`);
  const engine = cipher === 'sm4' ? new Sm4BlockCipher(key) : cipher === 'des' ? new DesBlockCipher(key) : new Des3BlockCipher(key);
  return engine.encryptCbc(blocks, iv).slice(blocks.length - block);
}

/** The 4-byte MAC from the last CBC block: 8-byte blocks its first 4 bytes, 16-byte blocks the XOR of its words. */
export function macOfLastBlock(last: Uint8Array): Uint8Array {
  if (last.length === 8) return last.slice(0, 4);
  const mac = new Uint8Array(4);
  for (let i = 0; i < 16; i++) mac[i & 3]! ^= last[i]!;
  return mac;
}

/** ECB encryption of whole blocks under `key` (a PSAM's CIPHER DATA encryption under its session key). */
export function encryptBlocks(cipher: CardKeyCipher, key: Uint8Array, blocks: Uint8Array): Uint8Array {
  return encryptEcb(cipher, key, blocks);
}

/**
 * The secure-messaging MAC (P4 §8.2): over CLA INS P1 P2 Lc ‖ data (Lc counting the MAC), with the
 * session key of `key` under the card's challenge.
 */
export function secureMessagingMac(cipher: CardKeyCipher, key: Uint8Array, processFactor: Uint8Array, macInput: Uint8Array): Uint8Array {
  const sessionKey = deriveSessionKey(cipher, key, processFactor);
  try {
    return cardMac(sessionCipher(cipher), sessionKey, macInput);
  } finally {
    sessionKey.fill(0);
  }
}

/** Length of the encrypted field for `plaintextLength` bytes: LD ‖ data rounded up to whole blocks. */
export function encryptedFieldLength(cipher: CardKeyCipher, plaintextLength: number): number {
  const block = cipherBlockSize(cipher);
  return Math.ceil((1 + plaintextLength) / block) * block;
}

/** What the encrypted data field encrypts (P4 §8.3): LD ‖ plaintext, padded with 80 00… only when not block-aligned. */
export function dataFieldBlocks(cipher: CardKeyCipher, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length > 255) throw new CryptoError('plaintext', 'at most 255 bytes (LD is one byte)');
  const field = new Uint8Array(encryptedFieldLength(cipher, plaintext.length));
  field[0] = plaintext.length;
  field.set(plaintext, 1);
  if ((1 + plaintext.length) % cipherBlockSize(cipher) !== 0) field[1 + plaintext.length] = 0x80;
  return field;
}

/**
 * The encrypted data field (P4 §8.3): LD (plaintext length) ‖ plaintext, padded with 80 00… only
 * when not block-aligned, ECB under the session key of `key` under the card's challenge.
 */
export function encryptDataField(cipher: CardKeyCipher, key: Uint8Array, processFactor: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const field = dataFieldBlocks(cipher, plaintext);
  const sessionKey = deriveSessionKey(cipher, key, processFactor);
  try {
    return encryptEcb(sessionCipher(cipher), sessionKey, field);
  } finally {
    sessionKey.fill(0);
    field.fill(0);
  }
}

/** Reverses encryptDataField; `undefined` when the field is not a valid LD ‖ data ‖ padding block. */
export function decryptDataField(
  cipher: CardKeyCipher,
  key: Uint8Array,
  processFactor: Uint8Array,
  field: Uint8Array,
): Uint8Array | undefined {
  const block = cipherBlockSize(cipher);
  if (field.length === 0 || field.length % block !== 0) return undefined;
  const sessionKey = deriveSessionKey(cipher, key, processFactor);
  let plain: Uint8Array;
  try {
    plain = decryptEcb(sessionCipher(cipher), sessionKey, field);
  } finally {
    sessionKey.fill(0);
  }
  const length = plain[0]!;
  if (1 + length > plain.length || encryptedFieldLength(cipher, length) !== field.length) return undefined;
  const tail = plain.subarray(1 + length);
  const validPadding = tail.length === 0 || (tail[0] === 0x80 && tail.subarray(1).every((b) => b === 0));
  const out = validPadding ? plain.slice(1, 1 + length) : undefined;
  plain.fill(0);
  return out;
}
