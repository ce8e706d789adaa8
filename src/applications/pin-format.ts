import { InputError } from '../errors.js';

/** The lengths a cardholder PIN may have (P5 §6.3.1: at least 4 digits; pinpads take 4–12). */
export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 12;

/** A social security PIN, checked before anything is sent to the card. Errors never repeat the PIN. */
export function requireValidPin(pin: string, what = 'PIN'): string {
  if (typeof pin !== 'string' || !/^\d+$/.test(pin) || pin.length < PIN_MIN_DIGITS || pin.length > PIN_MAX_DIGITS) {
    throw new InputError('pin', `${what} must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits`);
  }
  return pin;
}

/** Why a PIN pad sent nothing to the card: nobody typed in time, the person cancelled, or a PIN of the wrong length. */
export class PinEntryError extends InputError {
  constructor(
    readonly reason: 'timeout' | 'cancelled' | 'length',
    message: string,
  ) {
    super('pin', message);
  }
}
