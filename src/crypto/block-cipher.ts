import { type Cipher, createCipheriv, createDecipheriv, type Decipher } from 'node:crypto';
import { CryptoError } from './crypto-error.js';
import { applyPadding, type BlockPadding, removePadding } from './padding.js';

/** What the block-cipher helpers accept besides key and data. */
export interface BlockCipherOptions {
  /** Default 'none': the data must already be a multiple of the block size. */
  padding?: BlockPadding;
}

/**
 * One key, kept as two open ECB contexts of Node's OpenSSL, so that single blocks (the emulator
 * computes many) cost one `update` call rather than a new cipher. ECB with padding off has no state
 * between calls, which is what makes reusing the contexts correct.
 */
export class EcbBlockCipher {
  readonly blockSize: number;
  readonly #algorithm: string;
  readonly #key: Uint8Array;
  readonly #enc: Cipher;
  #dec: Decipher | undefined;

  constructor(algorithm: string, key: Uint8Array, blockSize: number) {
    this.blockSize = blockSize;
    this.#algorithm = algorithm;
    this.#key = key.slice();
    this.#enc = createCipheriv(algorithm, key, null).setAutoPadding(false);
  }

  /** Encrypts whole blocks (any multiple of the block size). */
  encrypt(data: Uint8Array): Uint8Array {
    this.#checkAligned(data);
    return new Uint8Array(this.#enc.update(data));
  }

  decrypt(data: Uint8Array): Uint8Array {
    this.#checkAligned(data);
    // The decrypting context is opened on first use: MACs and key derivation only encrypt.
    this.#dec ??= createDecipheriv(this.#algorithm, this.#key, null).setAutoPadding(false);
    return new Uint8Array(this.#dec.update(data));
  }

  /** CBC over whole blocks, built on the ECB contexts; for short data (MACs) this beats a new cipher per call. */
  encryptCbc(data: Uint8Array, iv: Uint8Array): Uint8Array {
    this.#checkAligned(data);
    const bs = this.blockSize;
    const out = new Uint8Array(data.length);
    const block = new Uint8Array(bs);
    let prev = iv;
    for (let off = 0; off < data.length; off += bs) {
      for (let i = 0; i < bs; i++) block[i] = data[off + i]! ^ prev[i]!;
      const c = this.#enc.update(block);
      out.set(c, off);
      prev = out.subarray(off, off + bs);
    }
    return out;
  }

  #checkAligned(data: Uint8Array): void {
    if (data.length % this.blockSize !== 0) {
      throw new CryptoError('data', `length ${data.length} is not a multiple of the ${this.blockSize}-byte block`);
    }
  }
}

/** One-shot ECB/CBC through a fresh OpenSSL context: the fast path for bulk data. */
export function runCipher(
  algorithm: string,
  encrypt: boolean,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  blockSize: number,
  padding: BlockPadding,
): Uint8Array {
  if (encrypt) {
    const input = applyPadding(data, padding, blockSize);
    const c = createCipheriv(algorithm, key, iv).setAutoPadding(false);
    return concat2(c.update(input), c.final());
  }
  if (data.length % blockSize !== 0) {
    throw new CryptoError('data', `ciphertext length ${data.length} is not a multiple of the ${blockSize}-byte block`);
  }
  const d = createDecipheriv(algorithm, key, iv).setAutoPadding(false);
  return removePadding(concat2(d.update(data), d.final()), padding, blockSize);
}

function concat2(a: Buffer, b: Buffer): Uint8Array {
  if (b.length === 0) return new Uint8Array(a.buffer, a.byteOffset, a.length);
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
