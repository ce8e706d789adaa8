import { concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import type { ElementaryFile } from '../../file-system.js';
import { SFI } from './purse-constants.js';
import { type CachedRecord, overdraftLimit, purseFile } from './purse-state.js';

/** A transaction detail record (SFI 18): ATC(2) overdraft(3) amount(4) type(1) termId(6) date(4) time(3). */
export function detailRecord(
  ctx: CardContext,
  t: { atc: number; amount: number; transactionType: number; terminalId: Uint8Array },
  date: Uint8Array,
  time: Uint8Array,
): Uint8Array {
  return concatBytes(
    uintToBytes(t.atc, 2),
    uintToBytes(overdraftLimit(ctx.currentDf), 3),
    uintToBytes(t.amount, 4),
    Uint8Array.of(t.transactionType),
    t.terminalId,
    date,
    time,
  );
}

/** Puts a record first in a cyclic EF (record 1 = most recent), dropping the oldest when full. In memory only. */
export function prependCyclic(ef: ElementaryFile, record: Uint8Array): void {
  ef.records = [record.slice(), ...ef.records].slice(0, ef.maxRecords);
  ef.written = true;
}

/** Replaces the record whose first byte is `tag`. In memory only. */
export function replaceTagged(ef: ElementaryFile, tag: number, record: Uint8Array): void {
  const index = ef.records.findIndex((r) => r[0] === tag);
  ef.records = ef.records.map((r, i) => (i === index ? record.slice() : r));
  ef.written = true;
}

/**
 * Every change of a completed transaction, in memory: the detail record and (compound purchase)
 * the cached CAPP records. The caller then saves once, so all of it is durable together or not at all.
 */
export function applyTransactionRecords(ctx: CardContext, detail: Uint8Array, cache: readonly CachedRecord[]): void {
  prependCyclic(purseFile(ctx, SFI.transactions), detail);
  for (const entry of cache) {
    const ef = purseFile(ctx, entry.sfi);
    if (entry.tag === undefined) prependCyclic(ef, entry.data);
    else replaceTagged(ef, entry.tag, entry.data);
  }
  if (ctx.currentEf !== undefined) ctx.recordPointer = undefined;
}
