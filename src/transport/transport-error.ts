import { CardError } from '../errors.js';

/** Why a transport failed: lets callers retry on `card-removed` but give up on `no-service`. */
export type TransportFailure =
  | 'no-service'
  | 'no-reader'
  | 'no-card'
  | 'card-removed'
  /**
   * The card was reset under us (a restarted PC/SC service): the connection is back, but what the
   * card had selected or verified is gone, so the command sequence must start again.
   */
  | 'card-reset'
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
