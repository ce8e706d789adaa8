import { describe, expect, it } from 'vitest';
import { challengeOf, externalAuthenticate, KEYS, SELECT_MEDICAL, SELECT_SSSE, specSmMac, testCard, withMac } from './card-helpers.js';

const VERIFY_OK = '0020000003123456';

const externalAuth = (send: (h: string) => string) => externalAuthenticate(send, '0A', '3des', KEYS.extAuth3des0A);

describe('access rules', () => {
  it('free: EF05 reads without anything; never: EF0D cannot be read at all', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2012C12')).toMatch(/9000$/);
    send(VERIFY_OK);
    expect(externalAuth(send)).toBe('9000');
    expect(send('00B08D0000')).toBe('6982');
  });

  it('PIN: EF0A reads after VERIFY only', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2015400')).toBe('6982');
    send(VERIFY_OK);
    expect(send('00B2015404')).toBe('0A0000019000');
  });

  it('key: EF07 reads after EXTERNAL AUTHENTICATE with key 0A only (a PIN does not help)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send(VERIFY_OK);
    expect(send('00B0870004')).toBe('6982');
    expect(externalAuth(send)).toBe('9000');
    expect(send('00B0870004')).toBe('A1A2A3A49000');
  });

  it('PIN and key: EF0A updates only with both', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(externalAuth(send)).toBe('9000');
    expect(send('00DC01540411223344')).toBe('6982');
    send(VERIFY_OK);
    expect(send('00DC01540411223344')).toBe('9000');
    expect(send('00B2015404')).toBe('112233449000');
  });

  it('anyOf: EF06 updates with the PIN or with an SM4 MAC under key 05', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00DC0434030A0132')).toBe('6982');
    const random = challengeOf(send('0084000008'));
    const command = withMac('04DC0434', '0A0132', (input) => specSmMac('sm4', KEYS.stkSm405, random, input));
    expect(send(command)).toBe('9000');
    expect(send('00B2043403')).toBe('0A01329000');
  });

  it('security status is lost on selecting another DF and on reset, kept on selecting an EF', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    send(VERIFY_OK);
    send('00A4020002EF05');
    expect(send('00B2015404')).toBe('0A0000019000');
    send(SELECT_MEDICAL);
    send(SELECT_SSSE);
    expect(send('00B2015400')).toBe('6982');
    send(VERIFY_OK);
    card.reset();
    send(SELECT_SSSE);
    expect(send('00B2015400')).toBe('6982');
    send(VERIFY_OK);
    card.powerOff();
    card.powerOn();
    send(SELECT_SSSE);
    expect(send('00B2015400')).toBe('6982');
  });

  it('the medical DF EF05 wants the medical PIN (888888), not the SSSE one', () => {
    const { send } = testCard();
    send(SELECT_MEDICAL);
    expect(send('00B2012C00')).toBe('6982');
    expect(send('0020000003888888')).toBe('9000');
    expect(send('00B2012C03')).toBe('8001019000');
  });
});

describe('secure messaging (MAC) on file updates (P4 §8.2: session key over the card random, IV 0)', () => {
  it('EF05 update needs 04 DC … ‖ MAC under STK 04 (3DES key → DES session key)', () => {
    const { send, store } = testCard();
    send(SELECT_SSSE);
    expect(send('00DC022C03020132')).toBe('6982');
    const random = challengeOf(send('0084000008'));
    const command = withMac('04DC022C', '020132', (input) => specSmMac('3des', KEYS.stk3des04, random, input));
    expect(send(command)).toBe('9000');
    expect(send('00B2022C03')).toBe('0201329000');
    expect(store.saved?.files['3F00/1001/EF05']).toBeDefined();
  });

  it('a wrong MAC is 6988 and writes nothing; a replayed MAC finds no random (6984)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const random = challengeOf(send('0084000008'));
    const good = withMac('04DC022C', '020132', (input) => specSmMac('3des', KEYS.stk3des04, random, input));
    const bad = `${good.slice(0, -2)}${good.slice(-2) === '00' ? '01' : '00'}`;
    expect(send(bad)).toBe('6988');
    expect(send(good)).toBe('6984');
    expect(send('00B2022C03')).toBe('0201339000');
  });

  it("an SM4 MAC under the rule's key 05 updates the transparent EF0D (update-only file)", () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const random = challengeOf(send('0084000008'));
    const command = withMac('04D68D00', 'CAFEF00D', (input) => specSmMac('sm4', KEYS.stkSm405, random, input));
    expect(send(command)).toBe('9000');
    expect(send('00B08D0000')).toBe('6982');
  });
});
