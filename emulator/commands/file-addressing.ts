import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { ElementaryFile } from '../file-system.js';

/** The EF named by an SFI of the current DF (it becomes the current EF), or the current EF when sfi is 0. */
export function targetEf(ctx: CardContext, sfi: number): ElementaryFile {
  if (sfi === 0) return ctx.currentEf ?? fail(SW.NO_CURRENT_EF, 'no current EF');
  const ef = ctx.currentDf.elementaryFiles().find((e) => e.sfi === sfi) ?? fail(SW.FILE_NOT_FOUND, `no EF with SFI ${sfi}`);
  ctx.selectEf(ef);
  return ef;
}

/** READ/UPDATE BINARY: P1 b8=1 → SFI in P1 b5..b1 and offset P2; else a 15-bit offset in P1 P2. */
export function binaryTarget(ctx: CardContext, p1: number, p2: number): { ef: ElementaryFile; offset: number } {
  let ef: ElementaryFile;
  let offset: number;
  if (p1 & 0x80) {
    if (p1 & 0x60) throw new CardStatus(SW.WRONG_P1P2);
    if ((p1 & 0x1f) === 0) throw new CardStatus(SW.WRONG_P1P2);
    ef = targetEf(ctx, p1 & 0x1f);
    offset = p2;
  } else {
    ef = targetEf(ctx, 0);
    offset = (p1 << 8) | p2;
  }
  if (ef.isRecordFile) throw new CardStatus(SW.INCOMPATIBLE_FILE_STRUCTURE, 'not a transparent EF');
  if (offset > ef.size) throw new CardStatus(SW.WRONG_PARAMETERS, 'offset beyond the end of the file');
  return { ef, offset };
}

/** READ/UPDATE RECORD: SFI in P2 b8..b4 (0 = current EF); the EF must be a record file. */
export function recordTarget(ctx: CardContext, p2: number): ElementaryFile {
  const sfi = p2 >> 3;
  if (sfi === 0x1f) throw new CardStatus(SW.WRONG_P1P2);
  const ef = targetEf(ctx, sfi);
  if (!ef.isRecordFile) throw new CardStatus(SW.INCOMPATIBLE_FILE_STRUCTURE, 'not a record EF');
  return ef;
}

/** P2 b3 set: the record is named by its number in P1 (modes 100, 101, 110). */
export function isByNumber(mode: number): boolean {
  return (mode & 0b100) !== 0;
}

/**
 * The index (into ef.records) of record number P1; 00 = the current record. Undefined when there
 * is no such record (or no current record). Access by number never moves the record pointer.
 */
export function recordByNumber(ctx: CardContext, ef: ElementaryFile, p1: number): number | undefined {
  if (p1 === 0) return ctx.recordPointer;
  return p1 <= ef.records.length ? p1 - 1 : undefined;
}

/**
 * The index of the record that identifier P1 names in mode 000/001/010/011: first/last/next/
 * previous occurrence, next and previous counted from the current record (with none: next =
 * first, previous = last). A record's identifier is its first byte (the tag of a simple-TLV
 * record); identifier 00 names every record, i.e. first/last/next/previous by number
 * (P3 §5.3.1). Undefined when there is none.
 */
export function recordByIdentifier(ctx: CardContext, ef: ElementaryFile, p1: number, mode: number): number | undefined {
  const n = ef.records.length;
  const matches = (i: number) => p1 === 0 || ef.records[i]![0] === p1;
  const pointer = ctx.recordPointer;
  switch (mode) {
    case 0b000:
      for (let i = 0; i < n; i++) if (matches(i)) return i;
      return undefined;
    case 0b001:
      for (let i = n - 1; i >= 0; i--) if (matches(i)) return i;
      return undefined;
    case 0b010:
      for (let i = pointer === undefined ? 0 : pointer + 1; i < n; i++) if (matches(i)) return i;
      return undefined;
    case 0b011:
      for (let i = pointer === undefined ? n - 1 : pointer - 1; i >= 0; i--) if (matches(i)) return i;
      return undefined;
    default:
      throw new CardStatus(SW.WRONG_P1P2, 'unsupported record reference mode');
  }
}

function fail(sw: number, reason: string): never {
  throw new CardStatus(sw, reason);
}
