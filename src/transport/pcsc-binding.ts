import { TransportError, type TransportFailure } from './transport-error.js';

/**
 * The part of the `smartcard` package (N-API PC/SC binding) that sscard uses, described here so
 * that our types do not depend on an optional package being installed, and so that tests can
 * hand in a fake binding.
 */
export interface PcscBinding {
  Context: new () => PcscContext;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_PROTOCOL_RAW: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  SCARD_UNPOWER_CARD: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_EMPTY: number;
  SCARD_STATE_MUTE: number;
  SCARD_STATE_EXCLUSIVE: number;
  SCARD_STATE_INUSE: number;
  SCARD_STATE_UNAVAILABLE: number;
}

export interface PcscContext {
  readonly isValid: boolean;
  listReaders(): PcscReader[];
  /** Resolves with the new states, [] on timeout, null when cancelled. */
  waitForChange(readers?: Array<{ name: string; state: number } | string>, timeoutMs?: number): Promise<PcscReaderState[] | null>;
  cancel(): void;
  close(): void;
}

export interface PcscReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Uint8Array | null;
  connect(shareMode?: number, protocol?: number): Promise<PcscCard>;
}

export interface PcscReaderState {
  name: string;
  state: number;
  changed: boolean;
  atr: Uint8Array | null;
}

export interface PcscCard {
  readonly protocol: number;
  readonly connected: boolean;
  readonly atr: Uint8Array | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Uint8Array>;
  getStatus(): { state: number; protocol: number; atr: Uint8Array };
  disconnect(disposition?: number): void;
  reconnect(shareMode?: number, protocol?: number, initialization?: number): Promise<number>;
}

/** The name PC/SC uses for "tell me when the reader list changes". */
export const PNP_NOTIFICATION = '\\\\?PnP?\\Notification';

let loading: Promise<PcscBinding> | undefined;

/**
 * Loads the native binding on first use only, so that users of the emulator alone need neither
 * pcscd nor a compiler. The package is an optional dependency: when its build failed at install
 * time (no libpcsclite-dev), this says how to fix it instead of a module-not-found trace.
 */
export function loadPcscBinding(): Promise<PcscBinding> {
  loading ??= import('smartcard').then(
    (mod: unknown) => {
      const m = mod as { default?: PcscBinding } & PcscBinding;
      const binding = m.Context ? m : m.default;
      if (!binding?.Context) throw bindingMissing(new Error('the smartcard module has no Context export'));
      return binding;
    },
    (error: unknown) => {
      loading = undefined;
      throw bindingMissing(error);
    },
  );
  return loading;
}

function bindingMissing(cause: unknown): TransportError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new TransportError(
    'binding-missing',
    'the PC/SC binding (npm package "smartcard") is not installed or failed to build; install the PC/SC ' +
      'development files (Debian/Ubuntu: apt-get install libpcsclite-dev; Fedora: pcsc-lite-devel) and ' +
      `run "npm install smartcard" again (${detail})`,
    { cause },
  );
}

/**
 * Turns the binding's errors (plain Errors carrying pcsc-lite's message) into TransportErrors
 * with a reason callers can act on.
 */
export function pcscFailure(error: unknown, doing: string): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reason = reasonFor(message);
  return new TransportError(reason, `${doing}: ${describe(reason, message)}`, { cause: error });
}

function reasonFor(message: string): TransportFailure {
  if (/service not running|service stopped|context is not valid/i.test(message)) return 'no-service';
  if (/card was removed|no smart card present|card is unpowered|card is unresponsive|card was reset/i.test(message)) return 'card-removed';
  if (/unknown reader|reader unavailable|no readers available/i.test(message)) return 'no-reader';
  if (/sharing violation/i.test(message)) return 'sharing-violation';
  if (/timed out/i.test(message)) return 'timeout';
  if (/protocol mismatch|card is not supported|invalid atr/i.test(message)) return 'protocol';
  return 'other';
}

function describe(reason: TransportFailure, message: string): string {
  switch (reason) {
    case 'no-service':
      return `the PC/SC service is not running (start pcscd) [${message}]`;
    case 'card-removed':
      return `the card was removed or reset [${message}]`;
    case 'no-reader':
      return `the reader is not there [${message}]`;
    case 'sharing-violation':
      return `another program holds the card exclusively [${message}]`;
    default:
      return message;
  }
}
