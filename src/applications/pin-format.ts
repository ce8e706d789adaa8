import { InputError } from '../errors.js';

/** Social security PINs are 6 digits (card-facts §4). Checked before anything is sent to the card. */
export function checkPin(pin: string, what = 'PIN'): string {
  if (typeof pin !== 'string' || !/^\d{6}$/.test(pin)) throw new InputError('pin', `${what} must be exactly 6 digits`);
  return pin;
}
