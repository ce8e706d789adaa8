import { type BlockCipherOptions, EcbBlockCipher, runCipher } from './block-cipher.js';
import { checkLength } from './crypto-error.js';

/** SM4 (GB/T 32907-2016) block and key size in bytes. */
export const SM4_BLOCK_SIZE = 16;
export const SM4_KEY_SIZE = 16;

/** One SM4 key ready for many single-block (or short ECB/CBC) operations. */
export class Sm4BlockCipher extends EcbBlockCipher {
  constructor(key: Uint8Array) {
    checkLength('sm4Key', key, SM4_KEY_SIZE);
    super('sm4-ecb', key, SM4_BLOCK_SIZE);
  }
  encryptBlock(block: Uint8Array): Uint8Array {
    checkLength('block', block, SM4_BLOCK_SIZE);
    return this.encrypt(block);
  }
  decryptBlock(block: Uint8Array): Uint8Array {
    checkLength('block', block, SM4_BLOCK_SIZE);
    return this.decrypt(block);
  }
}

export function sm4EncryptEcb(key: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('sm4Key', key, SM4_KEY_SIZE);
  return runCipher('sm4-ecb', true, key, null, data, SM4_BLOCK_SIZE, options.padding ?? 'none');
}

export function sm4DecryptEcb(key: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('sm4Key', key, SM4_KEY_SIZE);
  return runCipher('sm4-ecb', false, key, null, data, SM4_BLOCK_SIZE, options.padding ?? 'none');
}

export function sm4EncryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('sm4Key', key, SM4_KEY_SIZE);
  checkLength('iv', iv, SM4_BLOCK_SIZE);
  return runCipher('sm4-cbc', true, key, iv, data, SM4_BLOCK_SIZE, options.padding ?? 'none');
}

export function sm4DecryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('sm4Key', key, SM4_KEY_SIZE);
  checkLength('iv', iv, SM4_BLOCK_SIZE);
  return runCipher('sm4-cbc', false, key, iv, data, SM4_BLOCK_SIZE, options.padding ?? 'none');
}
