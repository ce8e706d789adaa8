import { Sm2PrivateKey } from '../../../src/crypto/sm2-keys.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { ElementaryFile } from '../../file-system.js';
import type { PkiKeySlot } from './pki-layout.js';

/** The key file of a slot in the current DF (the cert ADF); 6A88 when the profile has none. */
function keyFile(ctx: CardContext, slot: PkiKeySlot): ElementaryFile {
  const ef = ctx.currentDf.elementaryFiles().find((e) => e.fid === slot.keyFid && !e.isRecordFile && e.size === 32);
  if (ef === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, `no key file for key ${slot.ref}`);
  return ef;
}

/** The slot's private key; 6A88 while no key pair exists (an all-zero key file). */
export function loadPrivateKey(ctx: CardContext, slot: PkiKeySlot): Sm2PrivateKey {
  const content = keyFile(ctx, slot).content;
  if (content.every((b) => b === 0)) throw new CardStatus(SW.REFERENCE_NOT_FOUND, `key ${slot.ref} has no key pair yet`);
  try {
    return Sm2PrivateKey.fromBytes(content);
  } catch {
    throw new CardStatus(SW.REFERENCE_DATA_UNUSABLE, `key ${slot.ref} is not a usable SM2 key`);
  }
}

/** Replaces the slot's private key; persisted (state file `files`) before the answer leaves the card. */
export function storePrivateKey(ctx: CardContext, slot: PkiKeySlot, d: Uint8Array): void {
  const ef = keyFile(ctx, slot);
  ef.content = d.slice();
  ef.written = true;
  ctx.markDirty();
}

/** 6982 unless the PIN `ref` was verified since this DF was selected. */
export function requirePinVerified(ctx: CardContext, ref: number): void {
  const pin = ctx.findPin(ref);
  if (pin === undefined || !ctx.security.pinVerified(pin)) {
    throw new CardStatus(SW.SECURITY_NOT_SATISFIED, `PIN ${ref.toString(16).toUpperCase()} not verified`);
  }
}
