import { bigIntToBytes, bytesToBigInt, modN, N } from '../../../src/crypto/sm2-curve.js';
import { randomScalarWithPoint, type Sm2PrivateKey } from '../../../src/crypto/sm2-keys.js';

/**
 * SM2 signature (GB/T 32918.2 §6.1 steps A3–A7) of a message representative e = SM3(Z ‖ M) that
 * the terminal computed: the card never sees the message or the user id. Returns r ‖ s, 64 bytes.
 */
export function sm2SignDigest(key: Sm2PrivateKey, digest: Uint8Array): Uint8Array {
  const e = bytesToBigInt(digest);
  for (;;) {
    const { k, kG } = randomScalarWithPoint();
    const r = modN(e + bytesToBigInt(kG.subarray(1, 33)));
    if (r === 0n || r + k === N) continue;
    const s = modN(key.dPlusOneInverse * (k - r * key.scalar));
    if (s === 0n) continue;
    const out = new Uint8Array(64);
    out.set(bigIntToBytes(r), 0);
    out.set(bigIntToBytes(s), 32);
    return out;
  }
}
