import { describe, expect, it } from 'vitest';
import {
  challengeOf,
  externalAuthenticate,
  KEYS,
  SELECT_MEDICAL,
  SELECT_SSSE,
  specEncryptField,
  specSmMac,
  testCard,
} from './card-helpers.js';

const VERIFY_OK = '0020000003123456';
const VERIFY_WRONG = '0020000003111111';

describe('VERIFY', () => {
  it('locks after 6 wrong PINs: 63C5 … 63C0, then 6983, and the right PIN no longer works', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    const answers = Array.from({ length: 6 }, () => send(VERIFY_WRONG));
    expect(answers).toEqual(['63C5', '63C4', '63C3', '63C2', '63C1', '63C0']);
    expect(send(VERIFY_WRONG)).toBe('6983');
    expect(send(VERIFY_OK)).toBe('6983');
    expect(send('00200000')).toBe('6983');
  });

  it('a correct PIN restores the counter; VERIFY without data reports the status, also after a successful VERIFY (P5 §6.14)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00200000')).toBe('63C6');
    expect(send(VERIFY_WRONG)).toBe('63C5');
    expect(send(VERIFY_WRONG)).toBe('63C4');
    expect(send('00200000')).toBe('63C4');
    expect(send(VERIFY_OK)).toBe('9000');
    expect(send('00200000')).toBe('63C6');
    expect(send(VERIFY_WRONG)).toBe('63C5');
    expect(send('00200000')).toBe('63C5');
  });

  it('persists the decremented counter before answering, and the restored one after success', () => {
    const { send, store } = testCard();
    send(SELECT_SSSE);
    const before = store.saveCount;
    send(VERIFY_WRONG);
    expect(store.saved?.pins['3F00/1001#00']?.triesLeft).toBe(5);
    expect(store.saveCount).toBe(before + 1);
    send(VERIFY_OK);
    expect(store.saved?.pins['3F00/1001#00']?.triesLeft).toBe(6);
    expect(store.saveCount).toBe(before + 3); // decremented, then restored
  });

  it('accepts F padding; a malformed block is 6A80 and costs no try; unknown PIN ref is 6A88', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('0020000004123456FF')).toBe('9000');
    expect(send('00200000031234A6')).toBe('6A80');
    expect(send('0020000003F23456')).toBe('6A80');
    expect(send('00200000')).toBe('63C6');
    expect(send('0020000103123456')).toBe('6A88');
    expect(send('0020010003123456')).toBe('6A86');
  });

  it('a PIN belongs to its DF: the medical DF has its own PIN and counter', () => {
    const { send } = testCard();
    send(SELECT_MEDICAL);
    expect(send(VERIFY_OK)).toBe('63C5');
    expect(send('0020000003888888')).toBe('9000');
    send(SELECT_SSSE);
    expect(send('00200000')).toBe('63C6');
  });
});

describe('CHANGE PIN', () => {
  it('changes the PIN with old ‖ FF ‖ new; the old one then fails', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('805E010007123456FF654321')).toBe('9000');
    expect(send(VERIFY_OK)).toBe('63C5');
    expect(send('0020000003654321')).toBe('9000');
  });

  it('a wrong old PIN costs a try; a malformed or too short new PIN is 6A80 without a try', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('805E010007111111FF654321')).toBe('63C5');
    expect(send('805E010005123456FF12')).toBe('6A80');
    expect(send('805E010006123456654321')).toBe('6A80');
    expect(send('00200000')).toBe('63C5');
    expect(send('805E010007123456FF12345F')).toBe('9000'); // odd-length new PIN 12345
    expect(send('00200000')).toBe('63C6');
    expect(send('002000000312345F')).toBe('9000');
  });
});

describe('PIN CHANGE/UNBLOCK 84 24 (P5 §6.8): after PUK, MAC and encryption under the STK session key', () => {
  function block(send: (h: string) => string): void {
    for (let i = 0; i < 6; i++) send(VERIFY_WRONG);
    expect(send(VERIFY_OK)).toBe('6983');
  }

  /** EXTERNAL AUTHENTICATE with PUK (key 06, 3DES) the way the real log does it. */
  function authenticatePuk(send: (h: string) => string): void {
    expect(externalAuthenticate(send, '06', '3des', KEYS.puk3des06)).toBe('9000');
  }

  it('unblock 84 24 00 00 04 MAC resets the counter and keeps the PIN', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    block(send);
    authenticatePuk(send);
    const random = challengeOf(send('0084000008'));
    expect(send(`8424000004${specSmMac('3des', KEYS.stk3des04, random, '8424000004')}`)).toBe('9000');
    expect(send('00200000')).toBe('63C6');
    expect(send(VERIFY_OK)).toBe('9000');
  });

  it('reload 84 24 00 01 0C enc(LD ‖ PIN ‖ pad) ‖ MAC sets a new PIN and the full counter', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    block(send);
    authenticatePuk(send);
    const random = challengeOf(send('0084000008'));
    const field = specEncryptField('3des', KEYS.stk3des04, random, '888888');
    expect(field).toHaveLength(16);
    expect(send(`842400010C${field}${specSmMac('3des', KEYS.stk3des04, random, `842400010C${field}`)}`)).toBe('9000');
    expect(send(VERIFY_OK)).toBe('63C5');
    expect(send('0020000003888888')).toBe('9000');
  });

  it('without PUK 6982; without a fresh random 6984; a wrong MAC 6988 changes nothing', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    block(send);
    send('0084000008');
    expect(send('842400000401020304')).toBe('6982');
    authenticatePuk(send);
    expect(send('842400000401020304')).toBe('6984');
    send('0084000008');
    expect(send('842400000401020304')).toBe('6988');
    expect(send(VERIFY_OK)).toBe('6983');
    expect(send('8424000204')).toBe('6A86');
    expect(send('842400010501020304FF')).toBe('6700');
  });
});
