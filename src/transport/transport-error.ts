import { CardError } from '../errors.js';

/** Why a transport failed: lets callers retry on `card-removed` but give up on `no-service`. */
export type TransportFailure =
  | 'no-service'
  | 'no-reader'
  | 'no-card'
  | 'card-removed'
  | 'timeout'
  | 'sharing-violation'
  | 'protocol'
  | 'closed'
  | 'binding-missing'
  | 'other';

/** The card or reader could not be reached: nothing the card said, but the path to it failed. */
export class TransportError extends CardError {
  readonly reason: TransportFailure;
  constructor(reason: TransportFailure, message: string, options?: { cause?: unknown }) {
    super('ETRANSPORT', message, options);
    this.reason = reason;
  }
}
