import type { ReaderFunctionInputs } from '../reader-functions/reader-function-call.js';

/** What one input may be in a request: the request schema is generated from this table. */
export type InputRule = { type: 'integer'; minimum: number; maximum: number } | { type: 'string'; maxLength: number };

/**
 * Every input of READER_FUNCTION_INPUTS with its JSON type and bounds (card-spec §10.3). String
 * caps are generous over what a valid value can be, so the reader functions still give their own
 * codes for wrong lengths (−33 PIN length, −42 data length); the caps only keep huge strings out.
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
