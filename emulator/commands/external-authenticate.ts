import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { constantTimeEqual } from '../../src/bytes/bytes.js';
import { authenticationData } from '../../src/crypto/card-security.js';
import type { CardContext } from '../card-context.js';
import type { CardKey } from '../card-key.js';
import { CardStatus, SW, wrongPinStatus } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';

/**
 * EXTERNAL AUTHENTICATE `00 82 00 <key> 10|11 authData(8) ‖ original(8) [‖ key version]`
 * (P5 §6.4 T13–T16, P7 §6.5–6.6). The key byte's b8 says MF/DDF level (0x) or DF level (8x); the
 * card looks the key up from the current DF upwards. authData must equal P4 §9's formula under
 * the session key of that key over the card's current random (its last GET CHALLENGE, used
 * once), computed over the original data the terminal sent.
 * The try counter is decremented and saved before the comparison; wrong → 63Cx, at 0 → 6983,
 * success restores it and the key counts as authenticated until another DF or a reset.
 */
export const externalAuthenticateCommand: CommandRoute = {
  name: 'EXTERNAL AUTHENTICATE',
  cla: [0x00],
  ins: 0x82,
  handler: externalAuthenticate,
};

function externalAuthenticate(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 16 && apdu.data.length !== 17) throw new CardStatus(SW.WRONG_LENGTH);
  const key = ctx.findKey('external-auth', apdu.p2) ?? fail(SW.REFERENCE_NOT_FOUND, 'no such key');
  checkKeyVersion(key, apdu.data[16]);
  if (key.errorsLeft === 0) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
  const challenge = ctx.takeChallenge();
  spendTry(ctx, key, 'external-auth:decremented');
  const expected = authenticationData(key.algorithm, key.value, challenge, apdu.data.subarray(8, 16));
  if (!constantTimeEqual(apdu.data.subarray(0, 8), expected)) {
    ctx.security.setKeyAuthenticated(key, false);
    throw new CardStatus(key.errorsLeft === undefined ? SW.AUTH_FAILED : wrongPinStatus(key.errorsLeft), 'wrong cryptogram');
  }
  restoreTries(ctx, key);
  ctx.security.setKeyAuthenticated(key, true);
  return undefined;
}

/** The optional 17th data byte names the key version (P5 §6.4.3); another version → 6A88. */
export function checkKeyVersion(key: CardKey, version: number | undefined): void {
  if (version !== undefined && version !== key.version) throw new CardStatus(SW.REFERENCE_NOT_FOUND, 'no such key version');
}

/** A key's try counter goes down and is saved before any comparison (P7 §6.6). */
export function spendTry(ctx: CardContext, key: CardKey, point: string): void {
  if (key.errorsLeft === undefined) return;
  key.errorsLeft -= 1;
  ctx.markDirty();
  ctx.commit(point);
}

export function restoreTries(ctx: CardContext, key: CardKey): void {
  if (key.errorLimit === undefined || key.errorsLeft === key.errorLimit) return;
  key.errorsLeft = key.errorLimit;
  ctx.markDirty();
}

function fail(sw: number, reason: string): never {
  throw new CardStatus(sw, reason);
}
