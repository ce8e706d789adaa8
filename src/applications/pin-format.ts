import { InputError } from '../errors.js';

/** Social security PINs are 6 digits (card-facts §4). Checked before anything is sent to the card. */
export function checkPin(pin: string, what = 'PIN'): string {
  if (!/^\d{6}$/.test(pin)) throw new InputError('pin', `${what} must be exactly 6 digits`);
  return pin;
}

/** The PIN as the card takes it: BCD, an odd digit count F-padded (6 digits → 3 bytes). */
export function pinToBcd(pin: string): Uint8Array {
  const digits = pin.length % 2 === 0 ? pin : `${pin}F`;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
