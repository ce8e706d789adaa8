import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { encodeBcdNumber } from '../../../src/bytes/bcd.js';
import { uintToBytes } from '../../../src/bytes/bytes.js';
import { encodeTlv } from '../../../src/bytes/tlv.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { OFFLINE_PIN_REFERENCE } from './offline-pin.js';
import { pbocState } from './pboc-state.js';

/** Data objects the handlers read from the profile but a terminal gets from GPO only. */
const INTERNAL = new Set([0x82, 0x94]);

/**
 * GET DATA `80 CA P1 P2 00` in the debit ADF: the live values 9F36 ATC, 9F13 last online ATC,
 * 9F79 electronic cash balance (n12), 9F17 offline PIN tries left; the others (9F77 balance
 * limit, 9F78 single-transaction limit, 9F4F log format, 9F51 currency, …) from the profile.
 */
export const pbocGetDataCommand: CommandRoute = { name: 'GET DATA', cla: [0x80, 0x00], ins: 0xca, handler: getData };

function getData(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const tag = (apdu.p1 << 8) | apdu.p2;
  const adf = ctx.currentDf;
  const state = pbocState(ctx, adf);
  switch (tag) {
    case 0x9f36:
      return encodeTlv(tag, uintToBytes(state.atc, 2));
    case 0x9f13:
      return encodeTlv(tag, uintToBytes(state.lastOnlineAtc, 2));
    case 0x9f79:
      return encodeTlv(tag, encodeBcdNumber(state.ecBalance, 6));
    case 0x9f17: {
      const pin = ctx.findPin(OFFLINE_PIN_REFERENCE);
      if (pin === undefined) break;
      return encodeTlv(tag, Uint8Array.of(pin.triesLeft));
    }
  }
  const value = INTERNAL.has(tag) ? undefined : adf.dataObjects.get(tag);
  if (value === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no such data object');
  return encodeTlv(tag, value);
}
