import { SscardError } from '../errors.js';
import { RETURN_CODE } from '../reader-functions/return-codes.js';

/** Why the service answered a request without calling the card. */
export type RefusalKind = 'malformed' | 'invalid' | 'unknown-function' | 'too-large' | 'rate-limited' | 'timeout' | 'backend';

/**
 * The reader code (card-spec §10.4) and HTTP status of each refusal: −13 "unsupported" for an
 * unknown function, −4 "no answer" when the card did not come free in time, −11 "reader
 * connection" when the backend failed, −14 "parameter error" for everything wrong with the request.
 */
const REFUSAL_CODES: Record<RefusalKind, { code: number; httpStatus: number }> = {
  malformed: { code: RETURN_CODE.parameter, httpStatus: 400 },
  invalid: { code: RETURN_CODE.parameter, httpStatus: 400 },
  'unknown-function': { code: RETURN_CODE.unsupported, httpStatus: 400 },
  'too-large': { code: RETURN_CODE.parameter, httpStatus: 413 },
  'rate-limited': { code: RETURN_CODE.parameter, httpStatus: 429 },
  timeout: { code: RETURN_CODE.noAnswer, httpStatus: 504 },
  backend: { code: RETURN_CODE.readerConnection, httpStatus: 502 },
};

/** A request the service answers with an error object; the message never holds an input's value. */
export class ServiceRefusal extends SscardError {
  readonly kind: RefusalKind;
  /** The reader code the answer carries. */
  readonly readerCode: number;
  readonly httpStatus: number;
  constructor(kind: RefusalKind, message: string) {
    super('ESERVICE', message);
    this.kind = kind;
    this.readerCode = REFUSAL_CODES[kind].code;
    this.httpStatus = REFUSAL_CODES[kind].httpStatus;
  }
}

/** A connection over its rate limit (HTTP and WebSocket alike). */
export function rateLimitedRefusal(): ServiceRefusal {
  return new ServiceRefusal('rate-limited', 'too many requests on this connection: slow down');
}

/** A request over the size cap (HTTP and WebSocket alike). */
export function tooLargeRefusal(maxBytes: number): ServiceRefusal {
  return new ServiceRefusal('too-large', `the request is larger than ${maxBytes} bytes`);
}
