import { buildDolData, parseDol } from '../../../src/bytes/dol.js';
import type { CardContext } from '../../card-context.js';
import type { DedicatedFile, ElementaryFile } from '../../file-system.js';
import { dataObject, fciElement } from './card-data.js';

/**
 * The transaction log: a cyclic file (SFI and record count from the FCI's log entry 9F4D) whose
 * records follow the log format 9F4F. Record 1 is the most recent.
 */
export function logFile(adf: DedicatedFile): ElementaryFile {
  const entry = fciElement(adf, 0x9f4d);
  if (entry === undefined || entry.length !== 2) throw new Error('the PBOC ADF has no log entry 9F4D in its FCI');
  const ef = adf.elementaryFiles().find((e) => e.sfi === entry[0]);
  if (ef === undefined || ef.structure !== 'cyclic') throw new Error(`the PBOC log file SFI ${entry[0]} is missing or not cyclic`);
  return ef;
}

/**
 * Adds a log record built from the transaction's data elements (by tag). Only changes memory:
 * the caller saves it together with the balance and the ATC in one write.
 */
export function appendLogRecord(ctx: CardContext, adf: DedicatedFile, values: ReadonlyMap<number, Uint8Array>): void {
  const ef = logFile(adf);
  const record = buildDolData(parseDol(dataObject(adf, 0x9f4f)), values);
  const records = [record, ...ef.records];
  if (records.length > ef.maxRecords) records.length = ef.maxRecords;
  ef.records = records;
  ef.written = true;
  ctx.markDirty();
}
