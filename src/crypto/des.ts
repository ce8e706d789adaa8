import { type BlockCipherOptions, EcbBlockCipher, runCipher } from './block-cipher.js';
import { CryptoError, checkLength } from './crypto-error.js';

export const DES_BLOCK_SIZE = 8;

// OpenSSL 3 keeps single DES in the legacy provider, which Node does not load. Three-key 3DES with
// K1 = K2 = K3 is single DES (E(K) D(K) E(K) = E(K)), so single DES runs as des-ede3 with the key
// repeated: same result, default provider only.
function singleDesAsEde3(key: Uint8Array): Uint8Array {
  checkLength('desKey', key, 8);
  const k = new Uint8Array(24);
  k.set(key, 0);
  k.set(key, 8);
  k.set(key, 16);
  return k;
}

function tdesAlgorithms(key: Uint8Array): { ecb: string; cbc: string } {
  if (key.length === 16) return { ecb: 'des-ede', cbc: 'des-ede-cbc' };
  if (key.length === 24) return { ecb: 'des-ede3', cbc: 'des-ede3-cbc' };
  throw new CryptoError('des3Key', `expected 16 or 24 bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
}

/** Single DES (8-byte key) for many blocks. */
export class DesBlockCipher extends EcbBlockCipher {
  constructor(key: Uint8Array) {
    super('des-ede3', singleDesAsEde3(key), DES_BLOCK_SIZE);
  }
}

/** Triple DES with a 16-byte (K1 K2 K1) or 24-byte key, for many blocks. */
export class Des3BlockCipher extends EcbBlockCipher {
  constructor(key: Uint8Array) {
    super(tdesAlgorithms(key).ecb, key, DES_BLOCK_SIZE);
  }
}

export function desEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkLength('block', block, DES_BLOCK_SIZE);
  return runCipher('des-ede3', true, singleDesAsEde3(key), null, block, DES_BLOCK_SIZE, 'none');
}

export function desDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkLength('block', block, DES_BLOCK_SIZE);
  return runCipher('des-ede3', false, singleDesAsEde3(key), null, block, DES_BLOCK_SIZE, 'none');
}

export function desEncryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('iv', iv, DES_BLOCK_SIZE);
  return runCipher('des-ede3-cbc', true, singleDesAsEde3(key), iv, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}

export function desDecryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('iv', iv, DES_BLOCK_SIZE);
  return runCipher('des-ede3-cbc', false, singleDesAsEde3(key), iv, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}

export function des3EncryptEcb(key: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  return runCipher(tdesAlgorithms(key).ecb, true, key, null, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}

export function des3DecryptEcb(key: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  return runCipher(tdesAlgorithms(key).ecb, false, key, null, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}

export function des3EncryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('iv', iv, DES_BLOCK_SIZE);
  return runCipher(tdesAlgorithms(key).cbc, true, key, iv, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}

export function des3DecryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: BlockCipherOptions = {}): Uint8Array {
  checkLength('iv', iv, DES_BLOCK_SIZE);
  return runCipher(tdesAlgorithms(key).cbc, false, key, iv, data, DES_BLOCK_SIZE, options.padding ?? 'none');
}
