import { describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/open-card.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { challengeOf, KEYS, SELECT_SSSE, specAuthData, specEcb, testCard } from './card-helpers.js';

/** Two GET CHALLENGEs as the real card log does: the first is the original, the second the factor. */
function twoChallenges(send: (hex: string) => string): { original: string; factor: string } {
  const original = challengeOf(send('0084000008'));
  return { original, factor: challengeOf(send('0084000008')) };
}

describe('GET CHALLENGE', () => {
  it('returns 4, 8 or 16 random bytes; other lengths are 6700', () => {
    const { send } = testCard({ random: undefined });
    expect(send('0084000004')).toMatch(/^[0-9A-F]{8}9000$/);
    expect(send('0084000008')).toMatch(/^[0-9A-F]{16}9000$/);
    expect(send('0084000010')).toMatch(/^[0-9A-F]{32}9000$/);
    expect(send('0084000005')).toBe('6700');
    expect(send('00840000')).toBe('6700');
    expect(send('0084010008')).toBe('6A86');
  });
});

describe('EXTERNAL AUTHENTICATE (P5 §6.4): authData ‖ original, session key over the card random', () => {
  it('3DES: authData = DES(3DES(K, r ‖ 00…), original) opens EF07 (read: key 0A)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B0870004')).toBe('6982');
    const { original, factor } = twoChallenges(send);
    const auth = specAuthData('3des', KEYS.extAuth3des0A, factor, original);
    expect(send(`0082000A10${auth}${original}`)).toBe('9000');
    expect(send('00B0870004')).toBe('A1A2A3A49000');
  });

  it('SM4: authData = L ⊕ R of SM4(SK, original ‖ 00×8) opens EF08 (read: key 0B); the key version byte is checked', () => {
    const { send } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    let { original, factor } = twoChallenges(send);
    expect(send(`0082000B11${specAuthData('sm4', KEYS.extAuthSm40B, factor, original)}${original}02`)).toBe('6A88');
    ({ original, factor } = twoChallenges(send));
    expect(send(`0082000B11${specAuthData('sm4', KEYS.extAuthSm40B, factor, original)}${original}01`)).toBe('9000');
    expect(send('00B0880002')).toMatch(/9000$/);
  });

  it('a wrong cryptogram is 6300 and authenticates nothing; no random is 6984; unknown key 6A88; a short field 6700', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0084000008');
    expect(send('0082000A100000000000000000FFFFFFFFFFFFFFFF')).toBe('6300');
    expect(send('00B0870004')).toBe('6982');
    expect(send('0082000A100000000000000000FFFFFFFFFFFFFFFF')).toBe('6984');
    send('0084000008');
    expect(send('0082007710 00000000000000000000000000000000')).toBe('6A88');
    expect(send('0082000A080000000000000000')).toBe('6700');
  });

  it('a key with a try counter answers 63C2, 63C1, 63C0, then 6983 for good; the counter is saved before comparing', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    for (const sw of ['63C2', '63C1', '63C0']) {
      send('0084000008');
      expect(send('0082000C100000000000000000FFFFFFFFFFFFFFFF')).toBe(sw);
    }
    const { original, factor } = twoChallenges(send);
    expect(send(`0082000C10${specAuthData('3des', KEYS.extAuthLimited0C, factor, original)}${original}`)).toBe('6983');
    expect(card.context.snapshot().keys['3F00/1001#0C:external-auth']).toMatchObject({ errorsLeft: 0 });
  });

  it('a good cryptogram restores the try counter', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0084000008');
    expect(send('0082000C100000000000000000FFFFFFFFFFFFFFFF')).toBe('63C2');
    const { original, factor } = twoChallenges(send);
    expect(send(`0082000C10${specAuthData('3des', KEYS.extAuthLimited0C, factor, original)}${original}`)).toBe('9000');
    send('0084000008');
    expect(send('0082000C100000000000000000FFFFFFFFFFFFFFFF')).toBe('63C2');
  });
});

describe('INTERNAL AUTHENTICATE (P5 §6.7): factor ‖ original → authData under IRK', () => {
  it('3DES IRK (key 00): the answer is the authentication data; on T=0 via 61 08 + GET RESPONSE', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const factor = '1122334455667788';
    const original = '8877665544332211';
    expect(send(`0088000010${factor}${original}`)).toBe('6108');
    expect(send('00C0000008')).toBe(`${specAuthData('3des', KEYS.internal3des, factor, original)}9000`);
    expect(send(`0088000011${factor}${original}01`)).toBe('6108');
    expect(send(`0088000011${factor}${original}09`)).toBe('6A88');
    expect(send(`0088000008${factor}`)).toBe('6700');
  });

  it('SM4 key 01, diversified from its master by the card factor (historical T6…TD) and the city factor', () => {
    const { send } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    const complement = (hex: string) => toHex(fromHex(hex).map((b) => ~b & 0xff));
    const level = (key: string, factor: string) => specEcb('sm4', key, factor + complement(factor));
    // ATR 3B6D0000 57443638 10 | 0000000000000001: T6…TD = 00…01.
    const cardKey = level(level(KEYS.internalSm4Master, '0000000000000001'), toHex(new TextEncoder().encode('330300sx')));
    expect(send('0088000110AABBCCDDEEFF00112233445566778899')).toBe(
      `${specAuthData('sm4', cardKey, 'AABBCCDDEEFF0011', '2233445566778899')}9000`,
    );
  });
});

describe('the forms of the real card log (card-spec §6.8–6.11) on the default card', () => {
  it('are accepted as forms: INTERNAL AUTHENTICATE answers 8 bytes, a foreign cryptogram 63Cx, a reload without PUK 6982', () => {
    const card = openCard({ profile: 'default' });
    card.powerOn();
    const send = (hex: string) => toHex(card.transmit(fromHex(hex.replace(/\s+/g, ''))));
    expect(send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe('611E');
    expect(send('00C000001E')).toBe('6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C038601039000');
    expect(send('008800001032D9E876ADB31BBFDBF7A936D0D18C9E')).toBe('6108');
    expect(send('00C0000008')).toMatch(/^[0-9A-F]{16}9000$/);
    send('0084000008');
    send('0084000008');
    expect(send('0082000A10774A08EDF447A1DEE603E2CAADAF02B6')).toBe('63C2');
    send('0084000008');
    expect(send('0082000610774A08EDF447A1DEE603E2CAADAF02B6')).toBe('63C2');
    send('0084000008');
    // Without PUK authenticated the reload is refused before its MAC is looked at.
    expect(send(`8424000114${'2B'.repeat(16)}7AA70000`)).toBe('6982');
  });
});
