import { InputError } from '../errors.js';

/** Money on cards is whole fen (分). These convert to and from the yuan strings people read. */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new InputError('amount', `amount must be a whole number of fen, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Parses "12", "12.3", "12.34" yuan into fen exactly (no floating point). */
export function parseYuan(text: string): number {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) throw new InputError('amount', `"${text}" is not an amount in yuan (e.g. 12.34)`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Checks an amount in fen given to a debit, load or purchase: a positive safe integer. */
export function checkAmountFen(fen: number, what = 'amount'): number {
  if (!Number.isSafeInteger(fen) || fen <= 0) {
    throw new InputError(what, `${what} must be a positive whole number of fen, got ${fen}`);
  }
  return fen;
}
