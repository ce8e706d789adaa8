import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { type CardContext, MAC_LENGTH } from '../card-context.js';
import type { CardKey } from '../card-key.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * The issuer's block commands (P5 §6.1–6.2 T6–T9, P7 §13.1–13.2), each `84 <INS> 00 P2 04 MAC`
 * after EXTERNAL AUTHENTICATE with the operation's control key and a fresh GET CHALLENGE; the MAC
 * uses the session key of the application's secure-messaging key (STK / STKDFxx) over that
 * challenge. Wrong MACs do not lock keys here (P7 §13.1).
 * - APPLICATION BLOCK `84 1E 00 01`: the current application, for good (there is no unblock);
 *   9000 even when it was blocked already; then SELECT and every command in it answer 9303.
 *   Control key: the DF's LK key (LKDF03, LKDF04), at SSSE level BK.
 * - CARD BLOCK `84 16 00 00`: every application, for good; every command then answers 6A81.
 *   Control key: BK.
 */
export const applicationBlockCommand: CommandRoute = {
  name: 'APPLICATION BLOCK',
  cla: [0x84],
  ins: 0x1e,
  handler: (ctx, apdu) => {
    if (apdu.p1 !== 0 || apdu.p2 !== 0x01) throw new CardStatus(SW.WRONG_P1P2);
    blockCommand(ctx, apdu, applicationBlockKey(ctx));
    ctx.currentDf.blocked = 'permanent';
    ctx.markDirty();
    return undefined;
  },
};

export const cardBlockCommand: CommandRoute = {
  name: 'CARD BLOCK',
  cla: [0x84],
  ins: 0x16,
  handler: (ctx, apdu) => {
    if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
    blockCommand(ctx, apdu, ctx.findKeyByName('BK'));
    ctx.cardBlocked = true;
    ctx.markDirty();
    return undefined;
  },
};

/** The DF's own LK key, else (SSSE) BK. */
function applicationBlockKey(ctx: CardContext): CardKey | undefined {
  return ctx.currentDf.keys.find((k) => k.name?.startsWith('LK')) ?? ctx.findKeyByName('BK');
}

function blockCommand(ctx: CardContext, apdu: CommandApdu, control: CardKey | undefined): HandlerResult {
  if (apdu.data.length !== MAC_LENGTH) throw new CardStatus(SW.WRONG_LENGTH);
  if (control === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no block key');
  if (!ctx.security.keyAuthenticated(control)) throw new CardStatus(SW.SECURITY_NOT_SATISFIED, 'authenticate with the block key first');
  ctx.verifyMac(apdu, ctx.requireKey(['secure-messaging']));
  return undefined;
}
