import { CryptoError } from './crypto-error.js';

/** Which padding a block-cipher helper applies: ISO/IEC 9797-1 method 2 (`80 00..`), method 1 (zeros) or none. */
export type BlockPadding = 'iso9797-m2' | 'iso9797-m1' | 'none';

/**
 * ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of `blockSize`.
 * Always adds at least one byte, so an aligned input grows by a whole block.
 */
export function padIso9797M2(data: Uint8Array, blockSize = 8): Uint8Array {
  const length = (Math.floor(data.length / blockSize) + 1) * blockSize;
  const out = new Uint8Array(length);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Removes method-2 padding; throws CryptoError when the tail is not `80 00..` within the last block. */
export function unpadIso9797M2(data: Uint8Array, blockSize = 8): Uint8Array {
  if (data.length === 0 || data.length % blockSize !== 0) {
    throw new CryptoError('padding', `padded data must be a non-empty multiple of ${blockSize} bytes, got ${data.length}`);
  }
  let i = data.length - 1;
  const floor = data.length - blockSize;
  while (i >= floor && data[i] === 0x00) i--;
  if (i < floor || data[i] !== 0x80) throw new CryptoError('padding', 'no ISO 9797-1 method 2 padding (80 00..) in the last block');
  return data.slice(0, i);
}

/** ISO/IEC 9797-1 padding method 1: zeros up to a multiple of `blockSize` (none when aligned, one block when empty). */
export function padIso9797M1(data: Uint8Array, blockSize = 8): Uint8Array {
  const length = data.length === 0 ? blockSize : Math.ceil(data.length / blockSize) * blockSize;
  if (length === data.length) return data.slice();
  const out = new Uint8Array(length);
  out.set(data);
  return out;
}

export function applyPadding(data: Uint8Array, padding: BlockPadding, blockSize: number): Uint8Array {
  switch (padding) {
    case 'iso9797-m2':
      return padIso9797M2(data, blockSize);
    case 'iso9797-m1':
      return padIso9797M1(data, blockSize);
    case 'none':
      if (data.length % blockSize !== 0) {
        throw new CryptoError('data', `length ${data.length} is not a multiple of the ${blockSize}-byte block (use padding)`);
      }
      return data;
  }
}

export function removePadding(data: Uint8Array, padding: BlockPadding, blockSize: number): Uint8Array {
  // Method 1 cannot be removed unambiguously: the caller knows the length.
  return padding === 'iso9797-m2' ? unpadIso9797M2(data, blockSize) : data;
}
