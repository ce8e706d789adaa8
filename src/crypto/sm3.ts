import * as nodeCrypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';

/** SM3 digest length in bytes. */
export const SM3_DIGEST_LENGTH = 32;

/** SM3 (GB/T 32905-2016) of `data`, via Node's built-in OpenSSL. */
export function sm3(data: Uint8Array | string): Uint8Array {
  const digest = oneShot ? oneShot('sm3', data, 'buffer') : createHash('sm3').update(data).digest();
  // A view, not a copy: the digest buffer is ours alone.
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

// crypto.hash (Node ≥ 20.12) skips the Hash object: about 20% faster on short inputs.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array | string, enc: 'buffer') => Buffer }).hash;

/** A streaming SM3: feed with `update`, finish once with `digest`. */
export interface Sm3Hasher {
  update(data: Uint8Array | string): Sm3Hasher;
  digest(): Uint8Array;
}

class NodeSm3 implements Sm3Hasher {
  readonly #hash: Hash;
  constructor(hash: Hash) {
    this.#hash = hash;
  }
  update(data: Uint8Array | string): Sm3Hasher {
    this.#hash.update(data);
    return this;
  }
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.digest());
  }
}

export function createSm3(): Sm3Hasher {
  return new NodeSm3(createHash('sm3'));
}
