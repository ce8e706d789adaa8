import { bytesToUint } from '../../../src/bytes/bytes.js';
import type { CardContext } from '../../card-context.js';
import type { CardKey } from '../../card-key.js';
import { CardStatus, SW } from '../../card-status.js';
import type { DedicatedFile, ElementaryFile } from '../../file-system.js';
import { DEFAULT_BALANCE_LIMIT_FEN, PURSE_APPLICATION, PURSE_DATA_OBJECT } from './purse-constants.js';

/** What the purse keeps across power cycles (in the state file's `applications` section). */
export interface PurseCounters {
  /** Balance in fen. */
  balance: number;
  /** Online (load) transaction counter: the value the next INITIALIZE FOR LOAD reports. */
  onlineAtc: number;
  /** Offline (purchase) transaction counter. */
  offlineAtc: number;
}

/** The purse counters of this card, created from the ADF's data objects on first use. */
export function purseCounters(ctx: CardContext): PurseCounters {
  return ctx.applicationState<PurseCounters>(PURSE_APPLICATION, () => ({
    balance: dataObjectUint(ctx.currentDf, PURSE_DATA_OBJECT.initialBalance) ?? 0,
    onlineAtc: 0,
    offlineAtc: 0,
  }));
}

export function balanceLimit(df: DedicatedFile): number {
  return dataObjectUint(df, PURSE_DATA_OBJECT.balanceLimit) ?? DEFAULT_BALANCE_LIMIT_FEN;
}

export function overdraftLimit(df: DedicatedFile): number {
  return dataObjectUint(df, PURSE_DATA_OBJECT.overdraftLimit) ?? 0;
}

function dataObjectUint(df: DedicatedFile, tag: number): number | undefined {
  for (const d of df.lineage()) {
    const value = d.dataObjects.get(tag);
    if (value !== undefined) return bytesToUint(value);
  }
  return undefined;
}

/** The EF of the current (purse) DF with this SFI; a profile without it is broken (6A82). */
export function purseFile(ctx: CardContext, sfi: number): ElementaryFile {
  const ef = ctx.currentDf.elementaryFiles().find((e) => e.sfi === sfi);
  if (ef === undefined) throw new CardStatus(SW.FILE_NOT_FOUND, `purse EF with SFI ${sfi} missing`);
  return ef;
}

/** A record the terminal asked to write with UPDATE CAPP DATA CACHE, applied at the DEBIT. */
export interface CachedRecord {
  sfi: number;
  /** Tag (first byte) of the record to replace; undefined: append (cyclic trip file). */
  tag: number | undefined;
  data: Uint8Array;
}

/** INITIALIZE FOR LOAD / PURCHASE answered; waiting for its CREDIT / DEBIT. Volatile. */
export interface PendingTransaction {
  kind: 'load' | 'purchase' | 'compound-purchase';
  keyIndex: number;
  amount: number;
  transactionType: number;
  terminalId: Uint8Array;
  /** The card's random of the INITIALIZE answer. */
  random: Uint8Array;
  /** Balance and ATC as reported by the INITIALIZE answer. */
  balance: number;
  atc: number;
  /** The per-card DLK or DPK of this transaction. */
  key: CardKey;
  /** Load: the session key of MAC1/MAC2 (the purchase one needs the DEBIT's terminal sequence). */
  sessionKey: Uint8Array | undefined;
  /** The per-card DTK. */
  tacKey: CardKey;
  /** UPDATE CAPP DATA CACHE records (compound purchase only). */
  cache: CachedRecord[];
}

// Volatile per card: the pending transaction lives only as long as the security status of the
// purse DF, which the card clears on every reset and on selecting another DF. A marker in the
// security status tells whether the session that INITIALIZEd is still the current one.
const pending = new WeakMap<CardContext, PendingTransaction>();
const SESSION_MARKER = { stateKey: 'transport-purse#pending-transaction' } as CardKey;

export function setPending(ctx: CardContext, transaction: PendingTransaction): void {
  pending.set(ctx, transaction);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, true);
}

/** The pending transaction of this session, if the card was not reset or re-selected since. */
export function currentPending(ctx: CardContext): PendingTransaction | undefined {
  const t = pending.get(ctx);
  if (t === undefined) return undefined;
  if (!ctx.security.keyAuthenticated(SESSION_MARKER)) {
    pending.delete(ctx);
    return undefined;
  }
  return t;
}

/** Ends the pending transaction (completed, voided by a MAC error, or the purse re-selected). */
export function clearPending(ctx: CardContext): void {
  const t = pending.get(ctx);
  t?.sessionKey?.fill(0);
  pending.delete(ctx);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, false);
}

/** The pending transaction of the wanted kinds, taken out of the session (it is used once); else 6985. */
export function takePending(ctx: CardContext, kinds: PendingTransaction['kind'][]): PendingTransaction {
  const t = currentPending(ctx);
  if (t === undefined || !kinds.includes(t.kind)) {
    throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'no matching INITIALIZE in this session');
  }
  pending.delete(ctx);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, false);
  return t;
}
