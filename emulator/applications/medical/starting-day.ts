import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { bcd2, checkBcdTime, medicalPurse } from './medical-purse.js';

/**
 * UPDATE STARTING DAY `B0 56 00 00 02 mmdd` after EXTERNAL AUTHENTICATE with DSK, and GET STARTING
 * DAY `B0 56 01 00 02` (card-spec §6.15): the day the settlement year begins.
 */
export function startingDay(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== 0x00 || (apdu.p1 !== 0x00 && apdu.p1 !== 0x01)) throw new CardStatus(SW.WRONG_P1P2);
  const purse = medicalPurse(ctx);
  if (apdu.p1 === 0x01) {
    if (apdu.data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH, 'GET STARTING DAY takes no data');
    return bcd2(purse.startingDay);
  }
  if (apdu.data.length !== 2) throw new CardStatus(SW.WRONG_LENGTH, 'UPDATE STARTING DAY takes mmdd (2 bytes)');
  const dsk = ctx.findKeyByName('DSK');
  if (dsk === undefined || !ctx.security.keyAuthenticated(dsk)) throw new CardStatus(SW.SECURITY_NOT_SATISFIED, 'needs DSK');
  const mmdd = checkBcdTime(apdu.data);
  const month = Number(mmdd.slice(0, 2));
  const day = Number(mmdd.slice(2));
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new CardStatus(SW.WRONG_DATA, 'not a month and day');
  purse.startingDay = mmdd;
  ctx.markDirty();
  ctx.commit('medical:starting-day:written');
  return undefined;
}
