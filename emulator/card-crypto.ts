import { des3EncryptEcb } from '../src/crypto/des.js';
import { diversify3des, diversifySm4 } from '../src/crypto/key-derivation.js';
import { pbocMac3des, sm4SecureMessagingMac } from '../src/crypto/mac.js';
import { sm4EncryptEcb } from '../src/crypto/sm4.js';
import type { KeyAlgorithm } from './card-profile.js';

/**
 * The card's cryptography by key algorithm, on the shared crypto layer (src/crypto), so that the
 * card and the terminal compute every formula with the same code.
 */
export function blockSize(algorithm: KeyAlgorithm): number {
  return algorithm === 'sm4' ? 16 : 8;
}

/** ECB encryption of whole blocks; `data.length` must be a multiple of the block size. */
export function encryptBlocks(algorithm: KeyAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return algorithm === 'sm4' ? sm4EncryptEcb(key, data) : des3EncryptEcb(key, data);
}

/** Zero-extends (or truncates) an IV/challenge to one block. */
export function toBlock(bytes: Uint8Array, block: number): Uint8Array {
  const out = new Uint8Array(block);
  out.set(bytes.subarray(0, block));
  return out;
}

/**
 * The 4-byte MAC of secure messaging, IV = the challenge zero-extended to one block: PBOC retail
 * 3DES MAC for 3DES keys, the 3rd-generation SM4 MAC (XOR of the last block's words) for SM4 keys.
 */
export function secureMessagingMac(algorithm: KeyAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  return algorithm === 'sm4' ? sm4SecureMessagingMac(key, toBlock(iv, 16), data) : pbocMac3des(key, toBlock(iv, 8), data);
}

/** One diversification level (card-facts §5): 3des E(K, F) ‖ E(K, ~F); sm4 E(K, F ‖ ~F). */
export function diversifyKey(algorithm: KeyAlgorithm, master: Uint8Array, factor: Uint8Array): Uint8Array {
  return algorithm === 'sm4' ? diversifySm4(master, factor) : diversify3des(master, factor);
}
