import { createSm3 } from './sm3.js';

/**
 * SM3 key derivation (GB/T 32918.4 §5.4.3): SM3(Z ‖ ct) for ct = 1, 2, … until `length` bytes. The
 * output is a key stream: the caller wipes it when done. Each digest block is wiped once copied.
 */
export function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let ct = 1, pos = 0; pos < length; ct++, pos += 32) {
    new DataView(counter.buffer).setUint32(0, ct);
    const block = createSm3().update(z).update(counter).digest();
    out.set(block.subarray(0, Math.min(32, length - pos)), pos);
    block.fill(0);
  }
  return out;
}
