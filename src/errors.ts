/**
 * The root of every error sscard throws on purpose. Each carries a stable `code` so that the CLI
 * (and integrators) can map errors to messages and exit codes without parsing text.
 */
export class SscardError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A caller handed us something malformed: bad hex, a PIN of the wrong length, a negative amount. */
export class InputError extends SscardError {
  /** What was wrong, e.g. "pin", "hex", "amount". */
  readonly field: string;
  constructor(field: string, message: string) {
    super('EINPUT', message);
    this.field = field;
  }
}

/** Bytes from a card or a file could not be decoded; `offset` points at the first bad byte. */
export class DecodeError extends SscardError {
  readonly offset: number;
  constructor(what: string, offset: number, message: string) {
    super('EDECODE', `${what}: ${message} at offset ${offset}`);
    this.offset = offset;
  }
}

/** Anything that went wrong talking to a card: the path to it, or what it answered. */
export class CardError extends SscardError {}

/** A MAC, TAC or cryptogram from the card (or for it) did not verify. */
export class SecurityError extends CardError {
  constructor(message: string) {
    super('ESECURITY', message);
  }
}
