import { SscardError } from '../errors.js';

/**
 * A key, point, signature or ciphertext that the crypto layer refuses: wrong length, out of range,
 * not on the curve, malformed DER, a decryption check that failed. `field` names what was wrong
 * (e.g. "privateKey", "signature", "ciphertext"); the message never contains key material.
 */
export class CryptoError extends SscardError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('ECRYPTO', `${field}: ${message}`);
    this.field = field;
  }
}

/** Throws a CryptoError unless `bytes` has exactly one of the allowed lengths. */
export function checkLength(field: string, bytes: Uint8Array, ...allowed: number[]): void {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError(field, 'expected bytes (Uint8Array)');
  if (!allowed.includes(bytes.length)) {
    const want = allowed.length === 1 ? `${allowed[0]}` : allowed.join(' or ');
    throw new CryptoError(field, `expected ${want} bytes, got ${bytes.length}`);
  }
}
