import { bytesToUint } from '../../../src/bytes/bytes.js';
import { decodePsamKeyRecord, type PsamKeyRecord } from '../../../src/crypto/psam-key-record.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { DedicatedFile, ElementaryFile } from '../../file-system.js';

/** The registered name of the PSAM application (on the environment's MF and on DF01). */
export const PSAM_APPLICATION = 'psam';

/** card-spec §9.1: files at the environment level. */
export const PSAM_FID = { serial: 0x0015, terminalNumber: 0x0016, terminalSeq: 0x0019 } as const;
/** National, provincial and city key files of the application DF. */
const KEY_FILE_FIDS = [0x0011, 0x0012, 0x0013];

function environmentEf(ctx: CardContext, fid: number): ElementaryFile {
  const ef = ctx.mf.elementaryFiles().find((f) => f.fid === fid);
  if (ef === undefined) throw new CardStatus(SW.FILE_NOT_FOUND, `the PSAM has no EF ${fid.toString(16).padStart(4, '0')}`);
  return ef;
}

/** The terminal number (EF 0016, 6 bytes BCD): the terminal id of MAC1. */
export function terminalNumber(ctx: CardContext): Uint8Array {
  return environmentEf(ctx, PSAM_FID.terminalNumber).content.slice(0, 6);
}

/** The terminal transaction sequence (EF 0019, 4 bytes): the value the next purchase uses. */
export function terminalSeqFile(ctx: CardContext): ElementaryFile {
  return environmentEf(ctx, PSAM_FID.terminalSeq);
}

export function readTerminalSeq(ef: ElementaryFile): number {
  return bytesToUint(ef.content.subarray(0, 4));
}

/** The application DF holding key files; the key commands are refused (6985) elsewhere. */
export function keyDf(ctx: CardContext): DedicatedFile {
  const df = ctx.currentDf;
  if (!df.elementaryFiles().some((f) => f.fid !== undefined && KEY_FILE_FIDS.includes(f.fid))) {
    throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'select the PSAM application DF01 first');
  }
  return df;
}

/** The first key record of the current application that `matches`; 6A88 when there is none. */
export function findKeyRecord(ctx: CardContext, matches: (record: PsamKeyRecord) => boolean): PsamKeyRecord {
  for (const ef of keyDf(ctx).elementaryFiles()) {
    if (ef.fid === undefined || !KEY_FILE_FIDS.includes(ef.fid)) continue;
    for (const bytes of ef.records) {
      const record = decodePsamKeyRecord(bytes);
      if (record !== undefined && matches(record)) return record;
    }
  }
  throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no such key in the PSAM');
}

/** P9 §6.3 / card-spec §9.3: the factors come innermost first (card, city, province); the root takes them outermost first. */
export function factorsOutermostFirst(data: Uint8Array, count: number): Uint8Array[] {
  const factors: Uint8Array[] = [];
  for (let i = 0; i < count; i++) factors.push(data.slice(i * 8, i * 8 + 8));
  return factors.reverse();
}
