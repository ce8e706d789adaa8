import { INPUT_RULES, READER_FUNCTION_INPUTS, type ReaderFunctionName } from '../reader-functions/reader-function-call.js';

/** The longest `id` a WebSocket request may carry (echoed back unchanged). */
export const MAX_REQUEST_ID_LENGTH = 64;

const REQUEST_ID_SCHEMA = { anyOf: [{ type: 'string', maxLength: MAX_REQUEST_ID_LENGTH }, { type: 'integer' }] };

/** What every request is before its function is known: an object naming a function. */
export const BASE_REQUEST_SCHEMA = {
  type: 'object',
  properties: { function: { type: 'string', maxLength: 64 } },
  required: ['function'],
} as const;

/**
 * The JSON schema of one function's request, generated from READER_FUNCTION_INPUTS and
 * INPUT_RULES: `function`, an optional `id`, and only the inputs that function takes.
 */
export function requestSchema(name: ReaderFunctionName): Record<string, unknown> {
  const properties: Record<string, unknown> = { function: { const: name }, id: REQUEST_ID_SCHEMA };
  for (const input of READER_FUNCTION_INPUTS[name]) properties[input] = INPUT_RULES[input];
  return { type: 'object', properties, required: ['function'], additionalProperties: false };
}
