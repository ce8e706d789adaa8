import { SscardError } from '../errors.js';

/** A byte string is not a well-formed APDU (too short, Lc disagreeing with the length, …). */
export class ApduFormatError extends SscardError {
  constructor(message: string) {
    super('EINPUT', `malformed APDU: ${message}`);
  }
}
