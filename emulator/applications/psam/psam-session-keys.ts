import { wipe } from '../../../src/bytes/bytes.js';
import type { CardKeyCipher } from '../../../src/crypto/card-security.js';
import type { CardContext } from '../../card-context.js';
import type { CardKey } from '../../card-key.js';

/** DELIVERY SESSION KEY's result: the key CIPHER DATA works with, and a MAC being chained (P1 07, 03…). */
export interface DeliveredKey {
  cipher: CardKeyCipher;
  key: Uint8Array;
  /** The last CBC block after CIPHER DATA P1 07 or 03; undefined when no MAC is in progress. */
  macChain: Uint8Array | undefined;
}

/** INIT SAM FOR PURCHASE's result, waiting for CREDIT SAM FOR PURCHASE. */
export interface PendingPurchase {
  cipher: CardKeyCipher;
  /** SESPK. */
  sessionKey: Uint8Array;
  /** Account amount ‖ self-pay ‖ pooling: the MAC2 input. */
  amounts: Uint8Array;
}

interface PsamVolatile {
  delivered?: DeliveredKey;
  purchase?: PendingPurchase;
}

// Volatile per card: gone on every reset and on selecting another DF, like the security status
// (a marker in it tells whether the session that made them is still the current one).
const volatile = new WeakMap<CardContext, PsamVolatile>();
const SESSION_MARKER = { stateKey: 'psam#session' } as CardKey;

function current(ctx: CardContext): PsamVolatile {
  let state = volatile.get(ctx);
  if (state === undefined || !ctx.security.keyAuthenticated(SESSION_MARKER)) {
    if (state !== undefined) forget(state);
    state = {};
    volatile.set(ctx, state);
    ctx.security.setKeyAuthenticated(SESSION_MARKER, true);
  }
  return state;
}

function forget(state: PsamVolatile): void {
  if (state.delivered) wipe(state.delivered.key);
  if (state.purchase) wipe(state.purchase.sessionKey);
  state.delivered = undefined;
  state.purchase = undefined;
}

export function setDeliveredKey(ctx: CardContext, delivered: DeliveredKey): void {
  const state = current(ctx);
  if (state.delivered) wipe(state.delivered.key);
  state.delivered = delivered;
}

export function deliveredKey(ctx: CardContext): DeliveredKey | undefined {
  return current(ctx).delivered;
}

export function setPendingPurchase(ctx: CardContext, purchase: PendingPurchase): void {
  const state = current(ctx);
  if (state.purchase) wipe(state.purchase.sessionKey);
  state.purchase = purchase;
}

/** The pending purchase, removed: CREDIT SAM FOR PURCHASE checks one MAC2 per INIT. */
export function takePendingPurchase(ctx: CardContext): PendingPurchase | undefined {
  const state = current(ctx);
  const purchase = state.purchase;
  state.purchase = undefined;
  return purchase;
}
