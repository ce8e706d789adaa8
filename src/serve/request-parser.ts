import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isReaderFunctionName, type ReaderFunctionInputs, type ReaderFunctionName } from '../reader-functions/reader-function-call.js';
import { ECHO_LIMIT, printable } from './printable.js';
import { BASE_REQUEST_SCHEMA, requestSchema } from './request-schema.js';
import { ServiceRefusal } from './service-refusal.js';

/** A request that passed its schema: which function, with which inputs. */
export interface ServiceRequest {
  name: ReaderFunctionName;
  inputs: ReaderFunctionInputs;
  id?: string | number;
}

/** What a request said about itself, echoed in the answer even when it is refused. */
export interface RequestLabel {
  function: string;
  id?: string | number;
}

export type ParsedRequest = { ok: true; request: ServiceRequest } | { ok: false; label: RequestLabel; refusal: ServiceRefusal };

/** Turns a request's JSON text into a checked ServiceRequest, or a refusal saying why not. */
export class RequestParser {
  private readonly ajv = new Ajv({ strict: true, allErrors: false });
  private readonly base = this.ajv.compile(BASE_REQUEST_SCHEMA);
  private readonly byFunction = new Map<ReaderFunctionName, ValidateFunction>();

  parse(text: string): ParsedRequest {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return refused({ function: '' }, new ServiceRefusal('malformed', 'the request is not JSON'));
    }
    const label = labelOf(value);
    if (!this.base(value)) return refused(label, new ServiceRefusal('invalid', describe(this.base.errors)));
    const name = (value as { function: string }).function;
    if (!isReaderFunctionName(name)) {
      return refused(label, new ServiceRefusal('unknown-function', `unknown function "${label.function}"`));
    }
    const request = withoutNulls(value as Record<string, unknown>);
    const validate = this.validator(name);
    if (!validate(request)) return refused(label, new ServiceRefusal('invalid', describe(validate.errors)));
    const { function: _, id, ...inputs } = request as unknown as ReaderFunctionInputs & RequestLabel;
    return { ok: true, request: { name, inputs, ...(id === undefined ? {} : { id }) } };
  }

  private validator(name: ReaderFunctionName): ValidateFunction {
    let validate = this.byFunction.get(name);
    if (!validate) {
      validate = this.ajv.compile(requestSchema(name));
      this.byFunction.set(name, validate);
    }
    return validate;
  }
}

/** The request without members set to null: a page that sends `"pin": null` means no PIN (the pad). */
function withoutNulls(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== null));
}

function refused(label: RequestLabel, refusal: ServiceRefusal): ParsedRequest {
  return { ok: false, label, refusal };
}

/** The function and id a request gave, when they have the right type (for the answer to echo). */
export function labelOf(value: unknown): RequestLabel {
  if (typeof value !== 'object' || value === null) return { function: '' };
  const { function: name, id } = value as { function?: unknown; id?: unknown };
  const label: RequestLabel = { function: typeof name === 'string' ? printable(name) : '' };
  if ((typeof id === 'string' && id.length <= ECHO_LIMIT) || Number.isSafeInteger(id)) label.id = id as string | number;
  return label;
}

/** The schema's complaint by property name and rule: never the value, which may be a PIN. */
function describe(errors: ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'the request does not match its schema';
  const extra = error.keyword === 'additionalProperties' ? ` ("${printable(String(error.params.additionalProperty))}")` : '';
  const where = error.instancePath === '' ? 'the request' : error.instancePath.slice(1);
  return `${where} ${error.message ?? 'is not valid'}${extra}`;
}

/** The label of a request's text that will not be parsed further (refused before its schema). */
export function labelOfText(text: string): RequestLabel {
  try {
    return labelOf(JSON.parse(text));
  } catch {
    return { function: '' };
  }
}
