import { InputError } from '../errors.js';
import { decodeBcdDigits, encodeBcdNumber } from './bcd.js';

/** Dates on cards are 4 BCD bytes YYYYMMDD; in the SDK they are ISO strings YYYY-MM-DD. */
export function encodeBcdDate(date: string): Uint8Array {
  const digits = date.replace(/-/g, '');
  if (!/^\d{8}$/.test(digits) || !isValidDate(digits)) throw new InputError('date', `"${date}" is not a date (YYYY-MM-DD or YYYYMMDD)`);
  return encodeBcdNumber(digits, 4, 'date');
}

/** Returns "YYYY-MM-DD", or the raw digits when they are not a calendar date (cards do carry 00000000). */
export function decodeBcdDate(bytes: Uint8Array): string {
  const digits = decodeBcdDigits(bytes, 'date');
  if (digits.length !== 8 || !isValidDate(digits)) return digits;
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

function isValidDate(digits: string): boolean {
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** YYYYMMDDhhmmss of `at` in local time (what a terminal's clock shows), 7 BCD bytes. */
export function encodeBcdDateTime(at: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const digits = `${p(at.getFullYear(), 4)}${p(at.getMonth() + 1)}${p(at.getDate())}${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return encodeBcdNumber(digits, 7, 'date and time');
}
