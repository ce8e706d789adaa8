import { describe, expect, it } from 'vitest';
import { challengeOf, externalAuthenticate, KEYS, SELECT_MEDICAL, SELECT_SSSE, specSmMac, testCard } from './card-helpers.js';

type Send = (h: string) => string;

/** A block command `84 INS P1 P2 04 MAC`, MAC under the STK session key (test profile: SSSE key 04, 3DES). */
function blockCommand(send: Send, header: string): string {
  const random = challengeOf(send('0084000008'));
  return send(`${header}04${specSmMac('3des', KEYS.stk3des04, random, `${header}04`)}`);
}

describe('APPLICATION BLOCK 84 1E 00 01 (P5 §6.1, P7 §13.2): permanent, after the DF’s LK key', () => {
  it('blocks the current application for good: SELECT and every command in it answer 9303', () => {
    const { send, store } = testCard({ protocol: 'T=1' });
    send(SELECT_MEDICAL);
    expect(externalAuthenticate(send, '83', '3des', KEYS.lkMedical3des83)).toBe('9000');
    expect(blockCommand(send, '841E0001')).toBe('9000');
    expect(store.saved?.blockedApplications['3F00/1001/1004']).toBe('permanent');
    expect(send('0020000003888888')).toBe('9303');
    expect(send(SELECT_SSSE)).toMatch(/9000$/);
    expect(send(SELECT_MEDICAL)).toBe('9303');
    expect(send('00B2012C00')).toBe('9303');
    // There is no unblock in the specification.
    expect(send('841800000401020304')).toBe('6D00');
  });

  it('needs the LK key (6982), a fresh random (6984) and the right MAC (6988); only P2 01 exists', () => {
    const { send } = testCard();
    send(SELECT_MEDICAL);
    send('0084000008');
    expect(send('841E00010401020304')).toBe('6982');
    expect(externalAuthenticate(send, '83', '3des', KEYS.lkMedical3des83)).toBe('9000');
    expect(send('841E00010401020304')).toBe('6984');
    send('0084000008');
    expect(send('841E00010401020304')).toBe('6988');
    expect(send('841E00000401020304')).toBe('6A86');
    expect(send('0020000003888888')).toBe('9000');
  });
});

describe('CARD BLOCK 84 16 00 00 (P5 §6.2, P7 §13.1): after BK', () => {
  it('afterwards every command is 6A81, also after a reset', () => {
    const { send, card, store } = testCard();
    send(SELECT_SSSE);
    expect(externalAuthenticate(send, '05', 'sm4', KEYS.bkSm405)).toBe('9000');
    expect(blockCommand(send, '84160000')).toBe('9000');
    expect(store.saved?.cardBlocked).toBe(true);
    expect(send(SELECT_SSSE)).toBe('6A81');
    card.reset();
    expect(send('00A40000023F00')).toBe('6A81');
  });
});
