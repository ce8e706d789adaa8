/**
 * The reader functions terminals already call (card-spec §10.3, SC functions 1–9): their names,
 * the inputs each takes by the specification's parameter names with their JSON types and bounds,
 * and the result shape. The SDK (ReaderFunctions), the local card service (`sscard serve`) and its
 * JSON schema all read these tables.
 */

/** Every function of card-spec §10.3, by its specification name. */
export const READER_FUNCTION_INPUTS = {
  iReadCardBas: ['iType'],
  iReadCardBas_HSM_Step1: ['iType'],
  iReadCardBas_HSM_Step2: ['pKey'],
  iReadCard: ['iType', 'iAuthType', 'pCardInfo', 'pFileAddr', 'pin'],
  iReadCard_HSM_Step1: ['iType', 'pCardInfo', 'pFileAddr', 'pin'],
  iReadCard_HSM_Step2: ['pKey'],
  iWriteCard: ['iType', 'pCardInfo', 'pFileAddr', 'pWriteData', 'pin'],
  iWriteCard_HSM_Step1: ['iType', 'pCardInfo', 'pFileAddr'],
  iWriteCard_HSM_Step2: ['pKey', 'pWriteData'],
  iVerifyPIN: ['iType', 'pin'],
  iChangePIN: ['iType', 'pin', 'newPin'],
  iReloadPIN: ['iType', 'pCardInfo', 'newPin'],
  iReloadPIN_HSM_Step1: ['iType', 'pCardInfo'],
  iReloadPIN_HSM_Step2: ['pKey', 'newPin'],
  iReloadPIN_HSM_Step3: ['pKey'],
  iUnblockPIN: ['iType', 'pCardInfo'],
  iUnblockPIN_HSM_Step1: ['iType', 'pCardInfo'],
  iUnblockPIN_HSM_Step2: ['pKey'],
  iUnblockPIN_HSM_Step3: ['pKey'],
  iDoDebit: ['iType', 'pCardInfo', 'pPayInfo', 'pin'],
  iDoDebit_HSM_Step1: ['iType', 'pCardInfo', 'pPayInfo', 'pin'],
  iDoDebit_HSM_Step2: ['pKey'],
  iReadDebitRecord: ['iType', 'pin'],
  // sscard's extension (not in the specification): the medical account's balances after the PIN,
  // `account|self-pay total|pooling total|payment year|` in yuan, for a front desk to show.
  iReadBalance: ['iType', 'pin'],
} as const satisfies Record<string, readonly (keyof ReaderFunctionInputs)[]>;

export type ReaderFunctionName = keyof typeof READER_FUNCTION_INPUTS;

export const READER_FUNCTION_NAMES = Object.keys(READER_FUNCTION_INPUTS) as ReaderFunctionName[];

/**
 * The inputs of one call. `iType`: 1 contact, 2 contactless, 3 auto (contact first), 4 auto
 * (contactless first). `pin`/`newPin` are the caller's PIN entry where the reader has no PIN pad;
 * with a pad they are left out and the cardholder types on the pad. PINs and `pKey` are secrets:
 * never logged, echoed or put into an error message.
 */
export interface ReaderFunctionInputs {
  iType?: number;
  iAuthType?: number;
  pCardInfo?: string;
  pFileAddr?: string;
  pWriteData?: string;
  pPayInfo?: string;
  pKey?: string;
  pin?: string;
  newPin?: string;
}

/** What one input may be in a request: the local card service's request schema is generated from this. */
export type InputRule = { type: 'integer'; minimum: number; maximum: number } | { type: 'string'; maxLength: number };

/**
 * Every input with its JSON type and bounds (card-spec §10.3). String caps are generous over what
 * a valid value can be, so the reader functions still give their own codes for wrong lengths (−33
 * PIN length, −42 data length); the caps only keep huge strings out.
 */
export const INPUT_RULES = {
  iType: { type: 'integer', minimum: 1, maximum: 4 },
  iAuthType: { type: 'integer', minimum: 1, maximum: 2 },
  pCardInfo: { type: 'string', maxLength: 256 },
  pFileAddr: { type: 'string', maxLength: 2048 },
  pWriteData: { type: 'string', maxLength: 16_384 },
  pPayInfo: { type: 'string', maxLength: 256 },
  pKey: { type: 'string', maxLength: 1024 },
  pin: { type: 'string', maxLength: 32 },
  newPin: { type: 'string', maxLength: 32 },
} as const satisfies Record<keyof Required<ReaderFunctionInputs>, InputRule>;

/** The inputs that are secrets (masked in every log). */
export const SECRET_INPUTS: readonly (keyof ReaderFunctionInputs)[] = ['pin', 'newPin', 'pKey'];

/** What a function returns: its code (0 ok, negative as card-spec §10.4) and its output string. */
export interface ReaderFunctionResult {
  code: number;
  /** The `|`-separated output on success; on failure the specification's error text (may be empty). */
  pOutInfo: string;
}

/** What the local card service calls: ReaderFunctions implements it; tests may supply another. */
export interface ReaderFunctionCaller {
  call(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<ReaderFunctionResult>;
}

export function isReaderFunctionName(name: string): name is ReaderFunctionName {
  return Object.hasOwn(READER_FUNCTION_INPUTS, name);
}

/** A reader as the local card service lists it (`GET /readers`). */
export interface ReaderFunctionReader {
  name: string;
  /**
   * What the reader is for: the user card (contact, contactless or both), the PSAM, or nothing
   * (a reader the terminal was not configured to use).
   */
  role: 'card' | 'contact' | 'contactless' | 'psam' | 'unused';
  cardPresent: boolean;
}

/** Reader and card events as the local card service pushes them to its WebSocket clients. */
export type ReaderFunctionEvent =
  | { type: 'reader-added'; reader: string }
  | { type: 'reader-removed'; reader: string }
  | { type: 'card-inserted'; reader: string }
  | { type: 'card-removed'; reader: string };

/**
 * The reader functions over one configured set of readers (PC/SC readers and PSAM, or the
 * emulated card and PSAM): what `sscard serve` runs on. Calls may overlap; the backend
 * serializes them per card.
 */
export interface ReaderFunctionBackend extends ReaderFunctionCaller {
  readers(): Promise<ReaderFunctionReader[]>;
  /**
   * Subscribes to reader and card events; returns the unsubscribe function. A new listener first
   * hears the readers and cards there now (reader-added, card-inserted), then every change.
   */
  onEvent(listener: (event: ReaderFunctionEvent) => void): () => void;
  /** The emulated backend only: take the card out of the reader and put it back (QA, HIS tests). */
  readonly emulatedCard?: { remove(): void; insert(): void; readonly present: boolean };
  close(): Promise<void>;
}
