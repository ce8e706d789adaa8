import { InputError } from '../errors.js';

/**
 * A PIN as the card's VERIFY expects it: two digits per byte, an odd count padded with F
 * (123456 → 12 34 56, 12345 → 12 34 5F). Errors never repeat the PIN.
 */
export function encodePinBcd(pin: string): Uint8Array {
  if (typeof pin !== 'string' || !/^[0-9]+$/.test(pin)) throw new InputError('pin', 'PIN must consist of decimal digits only');
  if (pin.length < 4 || pin.length > 16) throw new InputError('pin', `PIN must have 4 to 16 digits, got ${pin.length}`);
  const digits = pin.length % 2 === 0 ? pin : `${pin}F`;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
