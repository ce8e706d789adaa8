import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { type CardContext, MAC_LENGTH } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * PBOC-style issuer commands on the current DF, each `84 <INS> 00 P2 04 MAC4` after GET CHALLENGE
 * (MAC over the 5-byte header, IV = challenge):
 * - APPLICATION BLOCK `84 1E 00 P2`: P2=00 temporarily (can be unblocked), 01 permanently.
 *   Key usage `app-block`. Afterwards SELECT answers 6283 and other commands 6A81.
 * - APPLICATION UNBLOCK `84 18 00 00`: key `app-unblock`, else `app-block`; permanent → 6985.
 * - CARD BLOCK `84 16 00 00`: key `card-block`, else `app-block`; every command then answers 6A81.
 */
export const applicationBlockCommand: CommandRoute = {
  name: 'APPLICATION BLOCK',
  cla: [0x84],
  ins: 0x1e,
  allowedWhenBlocked: true,
  handler: (ctx, apdu) => {
    if (apdu.p1 !== 0 || apdu.p2 > 1) throw new CardStatus(SW.WRONG_P1P2);
    macOnly(ctx, apdu, ['app-block']);
    const df = ctx.currentDf;
    df.blocked = apdu.p2 === 1 || df.blocked === 'permanent' ? 'permanent' : 'temporary';
    ctx.markDirty();
    return undefined;
  },
};

export const applicationUnblockCommand: CommandRoute = {
  name: 'APPLICATION UNBLOCK',
  cla: [0x84],
  ins: 0x18,
  allowedWhenBlocked: true,
  handler: (ctx, apdu) => {
    if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
    macOnly(ctx, apdu, ['app-unblock', 'app-block']);
    const df = ctx.currentDf;
    if (df.blocked === 'permanent') throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'blocked for good');
    if (df.blocked !== undefined) {
      df.blocked = undefined;
      ctx.markDirty();
    }
    return undefined;
  },
};

export const cardBlockCommand: CommandRoute = {
  name: 'CARD BLOCK',
  cla: [0x84],
  ins: 0x16,
  allowedWhenBlocked: true,
  handler: (ctx, apdu) => {
    if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
    macOnly(ctx, apdu, ['card-block', 'app-block']);
    ctx.cardBlocked = true;
    ctx.markDirty();
    return undefined;
  },
};

function macOnly(ctx: CardContext, apdu: CommandApdu, usages: string[]): HandlerResult {
  if (apdu.data.length !== MAC_LENGTH) throw new CardStatus(SW.WRONG_LENGTH);
  ctx.verifyMac(apdu, ctx.requireKey(usages));
  return undefined;
}
