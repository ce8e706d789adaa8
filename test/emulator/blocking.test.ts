import { describe, expect, it } from 'vitest';
import { challengeOf, KEYS, pbocMac, SELECT_MEDICAL, SELECT_SSSE, sm4Mac, testCard } from './card-helpers.js';

function macCommand(
  send: (h: string) => string,
  header: string,
  mac: (iv: string, input: string) => string,
  challengeLength = '08',
): string {
  const challenge = challengeOf(send(`00840000${challengeLength}`));
  return send(`${header}04${mac(challenge, `${header}04`)}`);
}

const medicalMac = (iv: string, input: string) => pbocMac(KEYS.appBlockMedical3des, iv, input);

describe('APPLICATION BLOCK / UNBLOCK, CARD BLOCK (PBOC style, under MAC)', () => {
  it('a temporary block: SELECT answers 6283 (with FCI), other commands 6A81; UNBLOCK restores', () => {
    const { send, store } = testCard({ protocol: 'T=1' });
    send(SELECT_MEDICAL);
    expect(macCommand(send, '841E0000', medicalMac)).toBe('9000');
    expect(store.saved?.blockedApplications['3F00/1001/1004']).toBe('temporary');
    expect(send('0020000003888888')).toBe('6A81');
    expect(send(SELECT_SSSE)).toMatch(/9000$/);
    expect(send(SELECT_MEDICAL)).toBe('6F088406D156000005036283');
    expect(send('00B2012C00')).toBe('6A81');
    expect(macCommand(send, '84180000', medicalMac)).toBe('9000');
    expect(send('0020000003888888')).toBe('9000');
    expect(store.saved?.blockedApplications).toEqual({});
  });

  it('a permanent block cannot be undone (6985)', () => {
    const { send } = testCard();
    send(SELECT_MEDICAL);
    expect(macCommand(send, '841E0001', medicalMac)).toBe('9000');
    expect(macCommand(send, '84180000', medicalMac)).toBe('6985');
    expect(send('0020000003888888')).toBe('6A81');
  });

  it('the MAC must be right (6988) and the key is the current DF’s (SM4 key in the debit ADF)', () => {
    const { send } = testCard();
    send(SELECT_MEDICAL);
    send('0084000008');
    expect(send('841E00000401020304')).toBe('6988');
    expect(send('0020000003888888')).toBe('9000');
    send('00A4040008A000000333010101');
    expect(macCommand(send, '841E0000', (iv, input) => sm4Mac(KEYS.appBlockDebitSm4, iv, input), '10')).toBe('9000');
    // T=0: the FCI comes through GET RESPONSE, and the warning 6283 with its last piece.
    expect(send('00A4040008A000000333010101')).toBe('610C');
    expect(send('00C000000C')).toBe('6F0A8408A0000003330101016283');
  });

  it('CARD BLOCK: afterwards every command is 6A81, also after a reset', () => {
    const { send, card, store } = testCard();
    send(SELECT_MEDICAL);
    expect(macCommand(send, '84160000', medicalMac)).toBe('9000');
    expect(store.saved?.cardBlocked).toBe(true);
    expect(send(SELECT_SSSE)).toBe('6A81');
    card.reset();
    expect(send('00A40000023F00')).toBe('6A81');
  });
});
