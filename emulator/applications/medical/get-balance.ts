import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { concatBytes } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { bcd2, medicalPurse, requirePin, u32 } from './medical-purse.js';

/**
 * GET BALANCE `B0 26 00 P2 Le` (card-spec §6.15): P2 01 CIA balance (4), 02 SPIP ‖ payment year
 * (6), 03 SPFP ‖ payment year (6). Needs the PIN; leaves the transaction state as it is.
 */
export function getBalance(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 || apdu.p2 < 0x01 || apdu.p2 > 0x03) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH, 'GET BALANCE takes no data');
  requirePin(ctx);
  const purse = medicalPurse(ctx);
  if (apdu.p2 === 0x01) return u32(purse.balance);
  return concatBytes(u32(apdu.p2 === 0x02 ? purse.spip : purse.spfp), bcd2(purse.paymentYear));
}
