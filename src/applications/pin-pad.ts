import { errorForStatus } from '../apdu/apdu-error.js';
import { ResponseApdu } from '../apdu/response-apdu.js';
import { encodePinBcd } from '../bytes/pin-bcd.js';
import type { CardChannel } from '../channel/card-channel.js';
import { InputError } from '../errors.js';
import { verify } from './iso-commands.js';
import { PIN_MAX_DIGITS, PIN_MIN_DIGITS, PinEntryError, requireValidPin } from './pin-format.js';

/** The PIN the cardholder types on the reader's own pad: it never passes through this program. */
export const ON_PIN_PAD: unique symbol = Symbol('the reader’s PIN pad');

/** Where a PIN comes from: the caller (its digits) or the reader's pad. */
export type PinSource = string | typeof ON_PIN_PAD;

/**
 * VERIFY in the current DF with the PIN from `pin`: the caller's digits, or the pad (PC/SC part 10
 * VERIFY_PIN_DIRECT: a 6-byte PIN block of F nibbles takes 4–12 digits BCD, left-justified,
 * P5 §6.14). A reader without a pad is an InputError; a wrong PIN a PinError; the pad's own
 * refusals (timeout, cancel, length) a PinEntryError.
 */
export async function verifyPinFrom(channel: CardChannel, pin: PinSource, context: string): Promise<void> {
  if (pin !== ON_PIN_PAD) {
    await channel.transmit(verify(encodePinBcd(requireValidPin(pin))), { context });
    return;
  }
  const transport = channel.transport;
  if (!transport.verifyPinOnPad) throw new InputError('pin', `the reader "${transport.name}" has no PIN pad`);
  const command = verify(new Uint8Array(6).fill(0xff)).encode();
  const format = { encoding: 'bcd', offset: 0, blockBytes: 6, minDigits: PIN_MIN_DIGITS, maxDigits: PIN_MAX_DIGITS } as const;
  // The pad's VERIFY is one exchange with the card: nothing of another caller comes between.
  const answer = ResponseApdu.decode(await channel.exclusive(() => transport.verifyPinOnPad!(command, format)));
  if (answer.sw === 0x6400) throw new PinEntryError('timeout', 'no PIN was typed on the pad in time');
  if (answer.sw === 0x6401) throw new PinEntryError('cancelled', 'PIN entry was cancelled on the pad');
  if (answer.sw === 0x6403) throw new PinEntryError('length', `a PIN of ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits is needed`);
  if (answer.sw !== 0x9000) throw errorForStatus(answer.sw, 0x20, answer.data, `${context} on the pad`);
}
