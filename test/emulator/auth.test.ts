import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { challengeOf, des3Ecb, KEYS, SELECT_SSSE, sm4Ecb, testCard } from './card-helpers.js';

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

describe('EXTERNAL AUTHENTICATE', () => {
  it('3DES: cryptogram = 3DES-ECB(key, challenge8) opens EF07 (read: key 0A)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B0870004')).toBe('6982');
    const challenge = challengeOf(send('0084000008'));
    expect(send(`0082000A08${des3Ecb(KEYS.extAuth3des0A, challenge)}`)).toBe('9000');
    expect(send('00B0870004')).toBe('A1A2A3A49000');
    expect(send('00B0870404')).toBe('FFFFFFFF9000');
  });

  it('3DES: the 16-byte form cryptogram ‖ 8 more bytes is accepted; a 4-byte challenge is zero-extended', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const challenge = challengeOf(send('0084000004'));
    const cryptogram = des3Ecb(KEYS.extAuth3des0A, `${challenge}00000000`);
    expect(send(`0082000A10${cryptogram}0102030405060708`)).toBe('9000');
  });

  it('SM4: cryptogram = SM4-ECB(key, challenge16) opens the photo EF08 (read: key 0B)', () => {
    const { send } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    const challenge = challengeOf(send('0084000010'));
    expect(send(`0082000B08${sm4Ecb(KEYS.extAuthSm40B, challenge).slice(0, 16)}`)).toBe('6700');
    const challenge2 = challengeOf(send('0084000010'));
    expect(send(`0082000B10${sm4Ecb(KEYS.extAuthSm40B, challenge2)}`)).toBe('9000');
    expect(send('00B0880004')).toBe('FFD8FFE09000');
    expect(challenge).not.toBe(challenge2);
  });

  it('SM4 with an 8-byte challenge: challenge ‖ 00×8', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const challenge = challengeOf(send('0084000008'));
    expect(send(`0082000B10${sm4Ecb(KEYS.extAuthSm40B, `${challenge}0000000000000000`)}`)).toBe('9000');
  });

  it('a wrong cryptogram is 6300 and authenticates nothing; no challenge is 6985; unknown key 6A88', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('0082000A080102030405060708')).toBe('6985');
    send('0084000008');
    expect(send('0082000A080102030405060708')).toBe('6300');
    expect(send('00B0870004')).toBe('6982');
    send('0084000008');
    expect(send('00820077080102030405060708')).toBe('6A88');
  });

  it('a key with an error counter answers 63Cx, then 6983 for good', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    for (const expected of ['63C2', '63C1', '63C0']) {
      send('0084000008');
      expect(send('0082000C080102030405060708')).toBe(expected);
    }
    const challenge = challengeOf(send('0084000008'));
    expect(send(`0082000C08${des3Ecb(KEYS.extAuthLimited0C, challenge)}`)).toBe('6983');
  });

  it('a good cryptogram restores the error counter', () => {
    const { send, store } = testCard();
    send(SELECT_SSSE);
    send('0084000008');
    expect(send('0082000C080102030405060708')).toBe('63C2');
    expect(store.saved?.keys['3F00/1001#0C:external-auth']).toEqual({ errorsLeft: 2 });
    const challenge = challengeOf(send('0084000008'));
    expect(send(`0082000C08${des3Ecb(KEYS.extAuthLimited0C, challenge)}`)).toBe('9000');
    expect(store.saved?.keys['3F00/1001#0C:external-auth']).toEqual({ errorsLeft: 3 });
  });
});

describe('INTERNAL AUTHENTICATE', () => {
  it('3DES key 00: returns 3DES-ECB(key, data); on T=0 via 61xx + GET RESPONSE', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const data = '0011223344556677';
    expect(send(`0088000008${data}00`)).toBe('6108');
    expect(send('00C0000008')).toBe(`${des3Ecb(KEYS.internal3des, data)}9000`);
  });

  it('SM4 key 01, diversified from a master key by the ATR tail and the region code', () => {
    const { send, card } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    const atr = toHex(card.answerToResetBytes);
    let key: string = KEYS.internalSm4Master;
    for (const factor of [atr.slice(-16), toHex(new TextEncoder().encode('330300sx'))]) {
      const inverted = toHex(fromHex(factor).map((b) => b ^ 0xff));
      key = sm4Ecb(key, factor + inverted);
    }
    const data = '000102030405060708090A0B0C0D0E0F';
    expect(send(`0088000110${data}00`)).toBe(`${sm4Ecb(key, data)}9000`);
    expect(send(`008800010800010203040506070800`)).toBe('6700');
  });

  it('unknown key is 6A88', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00880009080001020304050607')).toBe('6A88');
  });
});

it('test helper SM4-ECB agrees with node SM4-CBC at IV 0 for one block', () => {
  const c = createCipheriv('sm4-cbc', fromHex(KEYS.extAuthSm40B), new Uint8Array(16));
  c.setAutoPadding(false);
  const block = '0123456789ABCDEFFEDCBA9876543210';
  expect(toHex(new Uint8Array(Buffer.concat([c.update(fromHex(block)), c.final()])))).toBe(sm4Ecb(KEYS.extAuthSm40B, block));
  // GB/T 32907 example: SM4(K, P) with K = P = 0123…3210.
  expect(sm4Ecb(KEYS.extAuthSm40B, block)).toBe('681EDF34D206965E86B3E94F536E4246');
});
