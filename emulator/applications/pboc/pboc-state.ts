import { decodeBcdNumber } from '../../../src/bytes/bcd.js';
import { bytesToUint } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import type { DedicatedFile } from '../../file-system.js';
import { optionalDataObject } from './card-data.js';

export const PBOC_APPLICATION = 'pboc-debit';

/** The application cryptogram's counter: at this value the application is locked (card-facts §7). */
export const ATC_MAX = 0xffff;

/**
 * The persistent counters and balance of the debit application, kept in the state file under
 * `applications["pboc-debit"]`. Initial values come from the ADF's data objects (9F36, 9F13, 9F79).
 */
export interface PbocState {
  atc: number;
  lastOnlineAtc: number;
  /** Electronic cash balance in fen. */
  ecBalance: number;
}

export function pbocState(ctx: CardContext, adf: DedicatedFile): PbocState {
  return ctx.applicationState<PbocState>(PBOC_APPLICATION, () => ({
    atc: numberObject(adf, 0x9f36, false),
    lastOnlineAtc: numberObject(adf, 0x9f13, false),
    ecBalance: numberObject(adf, 0x9f79, true),
  }));
}

function numberObject(adf: DedicatedFile, tag: number, bcd: boolean): number {
  const value = optionalDataObject(adf, tag);
  if (value === undefined) return 0;
  return bcd ? decodeBcdNumber(value) : bytesToUint(value);
}

/**
 * What lives only while the ADF stays selected: the transaction GPO started (its transaction
 * and whether an application cryptogram was already produced). Every SELECT of the ADF ends it
 * (onSelect), and after a reset the ADF must be selected again, so it never outlives a session.
 */
export interface PbocTransaction {
  adf: DedicatedFile;
  /** GENERATE AC already answered (a second one is refused). */
  acGenerated: boolean;
}

const transactions = new WeakMap<CardContext, PbocTransaction>();

export function startTransaction(ctx: CardContext, adf: DedicatedFile): void {
  transactions.set(ctx, { adf, acGenerated: false });
}

/** The transaction of the current ADF, if GPO started one since it was selected. */
export function currentTransaction(ctx: CardContext): PbocTransaction | undefined {
  const t = transactions.get(ctx);
  return t !== undefined && t.adf === ctx.currentDf ? t : undefined;
}

export function endTransaction(ctx: CardContext): void {
  transactions.delete(ctx);
}
