import type { CardContext } from '../card-context.js';
import { CardStatus, SW, wrongPinStatus } from '../card-status.js';
import type { PinObject } from '../pin-object.js';

/**
 * The PIN comparison every command shares (VERIFY, CHANGE PIN): blocked → 6983; otherwise the try
 * counter is decremented and made durable *before* comparing (commit `<point>:decremented`), so
 * pulling the card mid-command never grants an extra try; a match restores the counter
 * (`<point>:restored`). A mismatch throws 63Cx with the tries left.
 */
export function comparePin(ctx: CardContext, pin: PinObject, digits: string, point: string): void {
  if (pin.blocked) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
  pin.triesLeft -= 1;
  ctx.markDirty();
  ctx.commit(`${point}:decremented`);
  if (!pin.matches(digits)) {
    ctx.security.setPinVerified(pin, false);
    throw new CardStatus(wrongPinStatus(pin.triesLeft), 'wrong PIN');
  }
  pin.triesLeft = pin.retryLimit;
  ctx.markDirty();
  ctx.commit(`${point}:restored`);
}

export function requirePin(ctx: CardContext, reference: number): PinObject {
  return ctx.findPin(reference) ?? fail(SW.REFERENCE_NOT_FOUND, `no PIN ${reference}`);
}

function fail(sw: number, reason: string): never {
  throw new CardStatus(sw, reason);
}
