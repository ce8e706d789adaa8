import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { MAC_LENGTH } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { requirePin } from './pin-check.js';

/**
 * PIN UNBLOCK (issuer) `84 24 00 <PIN ref> 04 MAC4` after GET CHALLENGE (card-facts §4): MAC under
 * the DF's `pin-unblock` key over `84 24 00 P2 04`, IV = challenge. Resets the try counter; the
 * PIN value stays.
 */
export const unblockPinCommand: CommandRoute = { name: 'PIN UNBLOCK', cla: [0x84], ins: 0x24, handler: unblock };

function unblock(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, apdu.p2);
  if (apdu.data.length !== MAC_LENGTH) throw new CardStatus(SW.WRONG_LENGTH);
  ctx.verifyMac(apdu, ctx.requireKey(['pin-unblock']));
  pin.triesLeft = pin.retryLimit;
  ctx.markDirty();
  return undefined;
}
