import { SscardError } from '../errors.js';

/** Exit codes of `sscard`, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** A check did not hold: a script expectation, a signature that does not verify. */
  checkFailed: 1,
  /** The command line or an input value was wrong. */
  usage: 2,
  /** No reader, no card, card removed, PC/SC service down, timeout. */
  transport: 3,
  /** The card answered with an error status word (wrong PIN, file not found, …). */
  cardRefused: 4,
  /** A MAC, TAC or cryptogram did not match: the card or the keys are not what they claim. */
  security: 5,
  /** A bug in sscard: please report it. */
  internal: 70,
  /** Ctrl-C at a prompt (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;

const CODE_TO_EXIT: Record<string, number> = {
  EINPUT: ExitCode.usage,
  EUSAGE: ExitCode.usage,
  EDECODE: ExitCode.usage,
  ECRYPTO: ExitCode.usage,
  ETRANSPORT: ExitCode.transport,
  EAPDU: ExitCode.cardRefused,
  EPIN: ExitCode.cardRefused,
  ENOAPP: ExitCode.cardRefused,
  EBADRESPONSE: ExitCode.cardRefused,
  ESECURITY: ExitCode.security,
  EKEYSTORE: ExitCode.transport,
  ECHECK: ExitCode.checkFailed,
  EPROFILE: ExitCode.usage,
  ESTATE: ExitCode.usage,
  ESTATEINUSE: ExitCode.transport,
  ECANCELLED: ExitCode.cancelled,
  EINTERNAL: ExitCode.internal,
};

export function exitCodeFor(error: unknown): number {
  if (error instanceof SscardError) return CODE_TO_EXIT[error.code] ?? ExitCode.cardRefused;
  return ExitCode.internal;
}
