import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { parseTlv } from '../../src/bytes/tlv.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import type { ElementaryFile } from '../file-system.js';
import { isByNumber, recordByIdentifier, recordTarget } from './file-addressing.js';

/**
 * UPDATE RECORD `00|04 DC P1 P2 Lc data [MAC]` (P5 §6.13). P2 = SFI<<3 | mode.
 * - By number (b3 = 1): record P1, 00 = the current record. On a linear file the number after
 *   the last record appends a new record; a gap → 6A83.
 * - By identifier P1 (000/001/010/011 first/last/next/previous; 00 = any record): the record found
 *   is replaced; on a linear file, when there is none, a new record is appended. On a cyclic file
 *   mode 011 (previous) adds the data as the new record 1 and drops the oldest when full.
 * A linear file that is full → 6A84. Writing by identifier or to the current record sets the
 * record pointer to the record written; writing by number leaves it alone (P3 §5.3).
 * There is no APPEND RECORD: adding a record is this command's job.
 */
export const updateRecordCommand: CommandRoute = { name: 'UPDATE RECORD', cla: [0x00, 0x04], ins: 0xdc, handler: updateRecord };

function updateRecord(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const mode = apdu.p2 & 0x07;
  const ef = recordTarget(ctx, apdu.p2);
  const data = ctx.authorize(ef, 'update', apdu);
  checkRecordLength(ef, data);
  const records = ef.records.slice();
  let pointer = ctx.recordPointer;
  if (isByNumber(mode)) {
    if (apdu.p1 === 0xff) throw new CardStatus(SW.WRONG_P1P2, 'record number FF is reserved');
    const index = apdu.p1 === 0 ? ctx.recordPointer : apdu.p1 - 1;
    if (index === undefined || index > records.length || (index === records.length && ef.structure === 'cyclic')) {
      throw new CardStatus(SW.RECORD_NOT_FOUND);
    }
    if (index === records.length) append(ef, records, data);
    else records[index] = data.slice();
  } else if (ef.structure === 'cyclic' && mode === 0b011) {
    records.unshift(data.slice());
    if (records.length > ef.maxRecords) records.pop();
    pointer = 0;
  } else {
    const index = recordByIdentifier(ctx, ef, apdu.p1, mode);
    if (index !== undefined) {
      records[index] = data.slice();
      pointer = index;
    } else {
      if (ef.structure === 'cyclic') throw new CardStatus(SW.RECORD_NOT_FOUND);
      pointer = append(ef, records, data);
    }
  }
  ef.records = records;
  ef.written = true;
  ctx.recordPointer = pointer;
  ctx.markDirty();
  return undefined;
}

/** Adds `data` after the last record of a linear file; 6A84 when the file is full. */
function append(ef: ElementaryFile, records: Uint8Array[], data: Uint8Array): number {
  if (records.length >= ef.maxRecords) throw new CardStatus(SW.NOT_ENOUGH_MEMORY, 'file full');
  return records.push(data.slice()) - 1;
}

/**
 * Length rules of a record: exactly recordSize in fixed and cyclic files (6700); in variable ones
 * 1..recordSize (6700) and one TLV object whose length fits Lc (6A85).
 */
function checkRecordLength(ef: ElementaryFile, record: Uint8Array): void {
  const variable = ef.structure === 'linear-variable';
  const ok = variable ? record.length >= 1 && record.length <= ef.recordSize : record.length === ef.recordSize;
  if (!ok) throw new CardStatus(SW.WRONG_LENGTH, `record of ${record.length} bytes does not fit`);
  if (variable && !isOneTlv(record)) throw new CardStatus(SW.LC_TLV_INCONSISTENT, 'record is not one TLV of Lc bytes');
}

function isOneTlv(record: Uint8Array): boolean {
  try {
    return parseTlv(record, { recursive: false, allowPadding: false }).length === 1;
  } catch {
    return false;
  }
}
