import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { fromPinBlock, type PinObject } from '../pin-object.js';
import { comparePin, requirePin } from './pin-check.js';

const SEPARATOR = 0xff;

/**
 * CHANGE PIN, the cardholder's command `80 5E 01 00 Lc old ‖ FF ‖ new` (P5 §6.3 T10–T12, P7 §9):
 * the old PIN is checked like VERIFY (counter first); a wrong one is 63Cx. The new PIN must have
 * the profile's length (4–12 digits by default). The issuer's reload is PIN CHANGE/UNBLOCK `84 24`.
 */
export const changePinCommand: CommandRoute = { name: 'CHANGE PIN', cla: [0x80], ins: 0x5e, handler: change };

function change(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x01) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, apdu.p2);
  const at = apdu.data.indexOf(SEPARATOR);
  if (at <= 0 || at === apdu.data.length - 1) throw new CardStatus(SW.WRONG_DATA, 'expected old ‖ FF ‖ new');
  const oldDigits = fromPinBlock(apdu.data.subarray(0, at));
  const newDigits = newPinDigits(pin, apdu.data.subarray(at + 1));
  if (oldDigits === undefined) throw new CardStatus(SW.WRONG_DATA, 'malformed PIN block');
  comparePin(ctx, pin, oldDigits, 'change-pin');
  pin.setValue(newDigits);
  ctx.markDirty();
  ctx.commit('change-pin:changed');
  return undefined;
}

function newPinDigits(pin: PinObject, block: Uint8Array): string {
  const digits = fromPinBlock(block);
  if (digits === undefined || !pin.acceptsLength(digits)) throw new CardStatus(SW.WRONG_DATA, 'new PIN malformed or of a wrong length');
  return digits;
}
