import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { checkRecordLength, recordTarget } from './file-addressing.js';

/**
 * APPEND RECORD `00 E2 00 P2 Lc data` (P2 = SFI<<3, or 00 for the current EF).
 * Linear files grow up to maxRecords (then 6A84); a cyclic file puts the new record first as
 * record 1 and drops its oldest record when full.
 */
export const appendRecordCommand: CommandRoute = { name: 'APPEND RECORD', cla: [0x00, 0x04], ins: 0xe2, handler: appendRecord };

function appendRecord(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || (apdu.p2 & 0x07) !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const ef = recordTarget(ctx, apdu.p2);
  const data = ctx.authorize(ef, 'append', apdu);
  checkRecordLength(ef, data);
  if (ef.structure === 'cyclic') {
    ef.records = [data.slice(), ...ef.records].slice(0, ef.maxRecords);
    ctx.recordPointer = 0;
  } else {
    if (ef.records.length >= ef.maxRecords) throw new CardStatus(SW.NOT_ENOUGH_MEMORY, 'file full');
    ef.records = [...ef.records, data.slice()];
    ctx.recordPointer = ef.records.length - 1;
  }
  ef.written = true;
  ctx.markDirty();
  return undefined;
}
