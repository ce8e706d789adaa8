import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { wrongLeStatus } from '../response-shaper.js';
import { isByNumber, recordByIdentifier, recordByNumber, recordTarget } from './file-addressing.js';

/**
 * READ RECORD `00 B2 P1 P2 Le` (P5 §6.10). P2 = SFI<<3 | mode:
 * 100 record P1 (00 = the current record), 101 records P1 … last, 110 records last … P1 (each
 * record is a TLV, so they are answered concatenated); 000/001/010/011 first/last/next/previous
 * record with identifier P1 (its first byte; 00 = any record). Only identifier access moves the
 * record pointer (P3 §5.3). Not there → 6A83.
 * Le must be the real length, on T=0 also instead of 00 (P5 §6.10.4): else 6Cxx and nothing
 * moves, so the re-sent command reads the same records.
 */
export const readRecordCommand: CommandRoute = { name: 'READ RECORD', cla: [0x00, 0x04], ins: 0xb2, handler: readRecord };

function readRecord(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const ef = recordTarget(ctx, apdu.p2);
  ctx.authorize(ef, 'read', apdu);
  const mode = apdu.p2 & 0x07;
  if (mode === 0b111) throw new CardStatus(SW.WRONG_P1P2, 'unsupported record reference mode');
  const index = isByNumber(mode) ? recordByNumber(ctx, ef, apdu.p1) : recordByIdentifier(ctx, ef, apdu.p1, mode);
  if (index === undefined) throw new CardStatus(SW.RECORD_NOT_FOUND);
  const last = ef.records.length - 1;
  const indexes = mode === 0b101 ? range(index, last) : mode === 0b110 ? range(index, last).reverse() : [index];
  const data = concatBytes(...indexes.map((i) => ef.records[i]!));
  const wrongLe = wrongLeStatus(apdu, data.length, ctx.usesT0, false);
  if (wrongLe !== undefined) throw new CardStatus(wrongLe, 'Le is not the length of the records');
  if (!isByNumber(mode)) ctx.recordPointer = index;
  return data;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
