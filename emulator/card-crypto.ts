import { createCipheriv } from 'node:crypto';
import type { KeyAlgorithm } from './card-profile.js';

/**
 * The few block-cipher operations the card needs, over node:crypto.
 * Private adapter: to be replaced by src/crypto once it lands (same formulas).
 */

export function blockSize(algorithm: KeyAlgorithm): number {
  return algorithm === 'sm4' ? 16 : 8;
}

/** ECB encryption of whole blocks; `data.length` must be a multiple of the block size. */
export function encryptBlocks(algorithm: KeyAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv(cipherName(algorithm, key), key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

function cipherName(algorithm: KeyAlgorithm, key: Uint8Array): string {
  if (algorithm === 'sm4') return 'sm4-ecb';
  if (key.length === 16) return 'des-ede-ecb';
  if (key.length === 24) return 'des-ede3-ecb';
  if (key.length === 8) return 'des-ede-ecb';
  throw new RangeError(`3DES key of ${key.length} bytes`);
}

function singleDes(key8: Uint8Array, block: Uint8Array): Uint8Array {
  // Two-key 3DES with K1 = K2 is single DES; OpenSSL 3 keeps plain DES in the legacy provider only.
  const k = new Uint8Array(16);
  k.set(key8);
  k.set(key8, 8);
  return encryptBlocks('3des', k, block);
}

/** ISO 9797-1 method 2 padding: 80 then 00 up to a whole block, always added. */
export function padIso9797M2(data: Uint8Array, block: number): Uint8Array {
  const length = (Math.floor(data.length / block) + 1) * block;
  const out = new Uint8Array(length);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Zero-extends (or truncates) an IV/challenge to one block. */
export function toBlock(bytes: Uint8Array, block: number): Uint8Array {
  const out = new Uint8Array(block);
  out.set(bytes.subarray(0, block));
  return out;
}

/**
 * The 4-byte MAC of secure messaging.
 * - 3des (PBOC): pad 80 00.., CBC with IV under single DES (left key half), last block under
 *   full 3DES (ISO 9797-1 algorithm 3, "retail MAC"); MAC = first 4 bytes.
 * - sm4 (3rd-generation card, card-facts §5): pad 80 00.. to 16, SM4-CBC with IV; MAC = XOR of the
 *   four 4-byte words of the last block.
 */
export function secureMessagingMac(algorithm: KeyAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const n = blockSize(algorithm);
  const padded = padIso9797M2(data, n);
  let chain = toBlock(iv, n);
  const blocks = padded.length / n;
  for (let i = 0; i < blocks; i++) {
    const x = new Uint8Array(n);
    for (let j = 0; j < n; j++) x[j] = chain[j]! ^ padded[i * n + j]!;
    if (algorithm === 'sm4') chain = encryptBlocks('sm4', key, x);
    else chain = i === blocks - 1 ? encryptBlocks('3des', key, x) : singleDes(key.subarray(0, 8), x);
  }
  if (algorithm === '3des') return chain.slice(0, 4);
  const mac = new Uint8Array(4);
  for (let w = 0; w < 4; w++) for (let j = 0; j < 4; j++) mac[j] = mac[j]! ^ chain[w * 4 + j]!;
  return mac;
}

/**
 * One diversification level (card-facts §5, PBOC style) of a 16-byte key with an 8-byte factor:
 * 3des: E(K, F) ‖ E(K, ~F); sm4: E(K, F ‖ ~F).
 */
export function diversifyKey(algorithm: KeyAlgorithm, master: Uint8Array, factor: Uint8Array): Uint8Array {
  const inverted = factor.map((b) => b ^ 0xff);
  if (algorithm === 'sm4') {
    const block = new Uint8Array(16);
    block.set(factor);
    block.set(inverted, 8);
    return encryptBlocks('sm4', master, block);
  }
  const out = new Uint8Array(16);
  out.set(encryptBlocks('3des', master, factor));
  out.set(encryptBlocks('3des', master, inverted), 8);
  return out;
}
