import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { checkRecordLength, findRecord, recordTarget } from './file-addressing.js';

/**
 * UPDATE RECORD `00 DC P1 P2 Lc data`: P2 b3..b1 = 100 record number P1 (00 = current record),
 * 000 first record whose tag is P1. The record must exist (6A83); new records come with APPEND.
 */
export const updateRecordCommand: CommandRoute = { name: 'UPDATE RECORD', cla: [0x00, 0x04], ins: 0xdc, handler: updateRecord };

function updateRecord(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const mode = apdu.p2 & 0x07;
  if (mode !== 0b100 && mode !== 0b000) throw new CardStatus(SW.WRONG_P1P2);
  const ef = recordTarget(ctx, apdu.p2);
  const data = ctx.authorize(ef, 'update', apdu);
  checkRecordLength(ef, data);
  const index = findRecord(ctx, ef, apdu.p1, mode);
  if (index === undefined) throw new CardStatus(SW.RECORD_NOT_FOUND);
  const records = ef.records.slice();
  records[index] = data.slice();
  ef.records = records;
  ef.written = true;
  ctx.recordPointer = index;
  ctx.markDirty();
  return undefined;
}
