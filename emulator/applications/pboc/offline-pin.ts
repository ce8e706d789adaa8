import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW, wrongPinStatus } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { comparePin, requirePin } from '../../commands/pin-check.js';
import { verifyCommand } from '../../commands/verify.js';

/** P2 of VERIFY for the EMV plaintext offline PIN; also the id of the ADF's PIN object. */
export const OFFLINE_PIN_REFERENCE = 0x80;

/**
 * Offline plaintext PIN: VERIFY `00 20 00 80 08 <PIN block>` with the ISO 9564 format 2 block
 * `2N PP PP PP FF FF FF FF` (N = digit count 4..12). The ADF's own PIN object 80 with its own try
 * counter (decremented and saved before comparing, as every PIN of the card). Without data: the
 * tries left (63Cx) or 9000 when verified. Any other P2 is the card-wide VERIFY.
 */
export const offlinePinVerifyCommand: CommandRoute = { name: 'VERIFY (offline PIN)', cla: [0x00], ins: 0x20, handler: verify };

function verify(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== OFFLINE_PIN_REFERENCE) return verifyCommand.handler(ctx, apdu);
  if (apdu.p1 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const pin = requirePin(ctx, OFFLINE_PIN_REFERENCE);
  if (apdu.data.length === 0) {
    if (pin.blocked) throw new CardStatus(SW.AUTH_METHOD_BLOCKED);
    if (ctx.security.pinVerified(pin)) return undefined;
    throw new CardStatus(wrongPinStatus(pin.triesLeft), 'PIN status');
  }
  const digits = decodeFormat2(apdu.data);
  if (digits === undefined) throw new CardStatus(SW.WRONG_DATA, 'malformed PIN block');
  comparePin(ctx, pin, digits, 'pboc-verify');
  ctx.security.setPinVerified(pin, true);
  return undefined;
}

/** ISO 9564 format 2: control 2, length N (4..12), N digits, F filler to 8 bytes; else undefined. */
export function decodeFormat2(block: Uint8Array): string | undefined {
  if (block.length !== 8 || block[0]! >> 4 !== 0x2) return undefined;
  const n = block[0]! & 0x0f;
  if (n < 4 || n > 12) return undefined;
  let digits = '';
  for (let i = 0; i < 14; i++) {
    const b = block[1 + (i >> 1)]!;
    const nibble = i % 2 === 0 ? b >> 4 : b & 0x0f;
    if (i < n) {
      if (nibble > 9) return undefined;
      digits += String.fromCharCode(48 + nibble);
    } else if (nibble !== 0x0f) return undefined;
  }
  return digits;
}
