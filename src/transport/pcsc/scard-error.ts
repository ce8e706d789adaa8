import { TransportError, type TransportFailure } from '../transport-error.js';
import { SCARD_E, SCARD_ERRORS } from './pcsc-platform.js';

/** A PC/SC function returned an error code: a TransportError whose reason follows from the code. */
export class ScardError extends TransportError {
  /** The SCARD_* code, unsigned (0x80100069 = SCARD_W_REMOVED_CARD). */
  readonly scardCode: number;
  constructor(scardCode: number, doing: string) {
    const code = scardCode >>> 0;
    const known = SCARD_ERRORS[code];
    const detail = known ? `${known.text} (${known.name})` : `error 0x${code.toString(16).padStart(8, '0')}`;
    const reason = reasonForCode(code);
    super(reason, doing ? `${doing}: ${explain(reason, detail)}` : explain(reason, detail));
    this.scardCode = code;
  }

  /** The same error again, on the thread that asked (a worker's errors arrive as data). */
  static fromData(data: { scardCode: number; message: string }): ScardError {
    const error = new ScardError(data.scardCode, '');
    error.message = data.message;
    return error;
  }
}

/**
 * SCARD_F_COMM_ERROR is left 'other': pcsc-lite returns it both for a reader that lost the card
 * mid-command and for a broken service link, and the transport looks at the reader to tell.
 */
export function reasonForCode(code: number): TransportFailure {
  switch (code >>> 0) {
    case SCARD_E.NO_SERVICE:
    case SCARD_E.SERVICE_STOPPED:
    case SCARD_E.INVALID_HANDLE:
      return 'no-service';
    case SCARD_E.REMOVED_CARD:
    case SCARD_E.NO_SMARTCARD:
    case SCARD_E.UNPOWERED_CARD:
    case SCARD_E.UNRESPONSIVE_CARD:
    case SCARD_E.RESET_CARD:
      return 'card-removed';
    case SCARD_E.UNKNOWN_READER:
    case SCARD_E.READER_UNAVAILABLE:
    case SCARD_E.NO_READERS_AVAILABLE:
      return 'no-reader';
    case SCARD_E.SHARING_VIOLATION:
      return 'sharing-violation';
    case SCARD_E.TIMEOUT:
      return 'timeout';
    case SCARD_E.PROTO_MISMATCH:
    case SCARD_E.CARD_UNSUPPORTED:
    case SCARD_E.UNSUPPORTED_CARD:
      return 'protocol';
    default:
      return 'other';
  }
}

function explain(reason: TransportFailure, detail: string): string {
  switch (reason) {
    case 'no-service':
      return `the PC/SC service is not running or was restarted (start pcscd) [${detail}]`;
    case 'card-removed':
      return `the card was removed or reset [${detail}]`;
    case 'no-reader':
      return `the reader is not there [${detail}]`;
    case 'sharing-violation':
      return `the card is in use by another program (held exclusively, or open where exclusive access was asked) [${detail}]`;
    default:
      return detail;
  }
}
