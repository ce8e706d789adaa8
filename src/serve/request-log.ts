import { type ReaderFunctionInputs, SECRET_INPUTS } from '../reader-functions/reader-function-call.js';
import { printable } from './printable.js';
import type { ServiceAnswer } from './service-answer.js';

/** What one log line tells about a request. */
export interface RequestLogEntry {
  /** Where the request came from: "http" or "ws#3". */
  via: string;
  inputs?: ReaderFunctionInputs;
  answer: ServiceAnswer;
  /** Why the service refused the request (its messages never hold an input's value). */
  refusal?: string;
  ms: number;
}

/**
 * One line per request: `ws#3 iReadCardBas iType=3 pin=*** → 0 (11 fields) 12.3 ms`. Numbers are
 * shown, secrets (SECRET_INPUTS) only as `***`, other strings and the output only by their size
 * (the output's error text neither: it may quote the card),
 * so neither a PIN nor a key nor the cardholder's data reaches the log.
 */
export function formatRequestLog(entry: RequestLogEntry): string {
  const { answer } = entry;
  const parts = [entry.via, answer.function || '-'];
  for (const [name, value] of Object.entries(entry.inputs ?? {})) parts.push(`${name}=${maskInput(name, value)}`);
  parts.push('→', String(answer.code));
  if (entry.refusal !== undefined) parts.push(`(refused: ${entry.refusal})`);
  else if (answer.success) parts.push(`(${(answer.pOutInfo ?? '').split('|').length - 1} fields)`);
  parts.push(`${entry.ms.toFixed(1)} ms`);
  return parts.join(' ');
}

function maskInput(name: string, value: unknown): string {
  if ((SECRET_INPUTS as readonly string[]).includes(name)) return '***';
  if (typeof value === 'number') return String(value);
  return `<${String(value).length} chars>`;
}

/** A request turned away at the door: `refused 403 POST /api Host=… Origin=…` (the token is never shown). */
export function formatAccessLog(
  request: { method?: string; url?: string; headers: { host?: string; origin?: string } },
  status: number,
): string {
  const path = (request.url ?? '/').split('?')[0]!;
  const header = (name: string, value: string | undefined) => (value === undefined ? [] : [`${name}=${printable(value)}`]);
  return [
    'refused',
    String(status),
    request.method ?? '-',
    printable(path),
    ...header('Host', request.headers.host),
    ...header('Origin', request.headers.origin),
  ].join(' ');
}
