import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { findRecord, recordTarget } from './file-addressing.js';

/**
 * READ RECORD `00 B2 P1 P2 Le`, every form of card-facts §2:
 * `rr 04` record rr of the current EF, `tt 00` first record with tag tt, `rr (SFI<<3|4)` (2C =
 * SFI 5, 34 = SFI 6), `tt (SFI<<3|0)` (28, 30); also 01/02/03 = last/next/previous with tag P1.
 * The record read becomes the current record. Not there → 6A83.
 */
export const readRecordCommand: CommandRoute = { name: 'READ RECORD', cla: [0x00, 0x04], ins: 0xb2, handler: readRecord };

function readRecord(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const ef = recordTarget(ctx, apdu.p2);
  ctx.authorize(ef, 'read', apdu);
  const index = findRecord(ctx, ef, apdu.p1, apdu.p2 & 0x07);
  if (index === undefined) throw new CardStatus(SW.RECORD_NOT_FOUND);
  ctx.recordPointer = index;
  return ef.records[index]!.slice();
}
