import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { decodePinBcd, type PinObject } from '../pin-object.js';
import { checkPin, requirePin } from './pin-check.js';

const SEPARATOR = 0xff;

/**
 * INS 5E, two commands (card-facts §4):
 * - CHANGE PIN (cardholder) `80 5E 01 <PIN ref> Lc old ‖ FF ‖ new`: the old PIN is checked like
 *   VERIFY (counter first); a wrong one is 63Cx.
 * - RELOAD PIN (issuer) `80|84 5E 00 <PIN ref> Lc new ‖ MAC4`: MAC under the DF's `pin-reload` key
 *   over `CLA 5E 00 P2 Lc ‖ new` with IV = the preceding GET CHALLENGE; sets the PIN and its counter.
 */
export const changePinCommand: CommandRoute = { name: 'CHANGE/RELOAD PIN', cla: [0x80, 0x84], ins: 0x5e, handler: changeOrReload };

function changeOrReload(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const pin = requirePin(ctx, apdu.p2);
  if (apdu.p1 === 0x01) return change(ctx, apdu, pin);
  if (apdu.p1 === 0x00) return reload(ctx, apdu, pin);
  throw new CardStatus(SW.WRONG_P1P2);
}

function change(ctx: CardContext, apdu: CommandApdu, pin: PinObject): HandlerResult {
  if (apdu.cla !== 0x80) throw new CardStatus(SW.CLA_NOT_SUPPORTED);
  const at = apdu.data.indexOf(SEPARATOR);
  if (at <= 0 || at === apdu.data.length - 1) throw new CardStatus(SW.WRONG_DATA, 'expected old ‖ FF ‖ new');
  const oldDigits = decodePinBcd(apdu.data.subarray(0, at));
  const newDigits = newPinDigits(pin, apdu.data.subarray(at + 1));
  if (oldDigits === undefined) throw new CardStatus(SW.WRONG_DATA, 'malformed PIN block');
  checkPin(ctx, pin, oldDigits, 'change-pin');
  pin.setValue(newDigits);
  ctx.markDirty();
  ctx.commit('change-pin:changed');
  return undefined;
}

function reload(ctx: CardContext, apdu: CommandApdu, pin: PinObject): HandlerResult {
  const key = ctx.requireKey(['pin-reload']);
  if (apdu.data.length < 5) throw new CardStatus(SW.WRONG_LENGTH);
  const body = ctx.verifyMac(apdu, key);
  const digits = newPinDigits(pin, body);
  pin.setValue(digits);
  pin.triesLeft = pin.retryLimit;
  ctx.markDirty();
  return undefined;
}

function newPinDigits(pin: PinObject, block: Uint8Array): string {
  const digits = decodePinBcd(block);
  if (digits === undefined || !pin.acceptsLength(digits)) throw new CardStatus(SW.WRONG_DATA, 'new PIN malformed or of a wrong length');
  return digits;
}
