import { expect } from 'vitest';
import { PinError } from '../../src/apdu/apdu-error.js';
import type { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import type { KeyProvider } from '../../src/channel/key-provider.js';

/**
 * The PIN life cycle every terminal path must show (issue 5): six wrong PINs count down to a
 * block, the right PIN is then refused with 6983, the issuer unblocks, the cardholder changes the
 * PIN and the old one is refused. Leaves the card with `newPin` verified.
 */
export async function expectPinLifeCycle(s: SocialSecuritySession, keys: KeyProvider, pin: string, newPin: string): Promise<void> {
  for (let left = 5; left >= 0; left--) {
    const e = await s.verifyPin('000000').catch((x) => x);
    expect(e).toBeInstanceOf(PinError);
    expect(e.triesLeft).toBe(left);
  }
  const blocked = await s.verifyPin(pin).catch((x) => x);
  expect(blocked).toBeInstanceOf(PinError);
  expect(blocked.blocked).toBe(true);
  expect(blocked.sw).toBe(0x6983);
  await s.unblockPin(keys);
  await s.verifyPin(pin);
  await s.changePin(pin, newPin);
  expect((await s.verifyPin(pin).catch((x) => x)).triesLeft).toBe(5);
  await s.verifyPin(newPin);
}
