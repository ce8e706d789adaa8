import type { CardContext } from '../../card-context.js';
import type { CardKey } from '../../card-key.js';
import { CardStatus } from '../../card-status.js';
import { MEDICAL_SW } from './medical-purse.js';

/**
 * The state machine of card-spec §6.15: idle, or an INITIALIZE FOR LOAD / PURCHASE waiting for its
 * CREDIT / DEBIT. Volatile: it lives as long as the security status of DF04, which the card clears
 * on every reset and on selecting another DF (a marker in the security status tells).
 */
export interface PendingLoad {
  kind: 'load';
  amount: number;
  terminalId: Uint8Array;
  seq: number;
  /** SESLK, computed by the INITIALIZE. */
  sessionKey: Uint8Array;
  key: CardKey;
}

export interface PendingPurchase {
  kind: 'purchase';
  account: number;
  selfPay: number;
  pooling: number;
  terminalId: Uint8Array;
  seq: number;
  random: Uint8Array;
  key: CardKey;
}

export type PendingMedical = PendingLoad | PendingPurchase;

const pending = new WeakMap<CardContext, PendingMedical>();
const SESSION_MARKER = { stateKey: 'ssse-medical#pending-transaction' } as CardKey;

export function setPending(ctx: CardContext, transaction: PendingMedical): void {
  toIdle(ctx);
  pending.set(ctx, transaction);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, true);
}

/** Back to idle (after a CREDIT/DEBIT, any failed command, a command not allowed, or a re-selection). */
export function toIdle(ctx: CardContext): void {
  const t = pending.get(ctx);
  if (t?.kind === 'load') t.sessionKey.fill(0);
  pending.delete(ctx);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, false);
}

/** The pending transaction of `kind`, taken out (an INITIALIZE is valid once); otherwise 6901. */
export function takePending<K extends PendingMedical['kind']>(ctx: CardContext, kind: K): Extract<PendingMedical, { kind: K }> {
  const t = ctx.security.keyAuthenticated(SESSION_MARKER) ? pending.get(ctx) : undefined;
  pending.delete(ctx);
  ctx.security.setKeyAuthenticated(SESSION_MARKER, false);
  if (t === undefined || t.kind !== kind) {
    if (t?.kind === 'load') t.sessionKey.fill(0);
    throw new CardStatus(MEDICAL_SW.INVALID_STATE, `not in the ${kind} state: INITIALIZE FOR ${kind.toUpperCase()} first`);
  }
  return t as Extract<PendingMedical, { kind: K }>;
}
