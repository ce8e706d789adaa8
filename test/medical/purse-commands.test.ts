import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STANDARD_APPLICATIONS } from '../../emulator/applications/standard-applications.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { toHex } from '../../src/bytes/hex.js';
import { encodePinBcd } from '../../src/bytes/pin-bcd.js';
import { externalAuthenticate, SELECT_MEDICAL, testCard } from '../emulator/card-helpers.js';
import { cardKey, SAMPLE_CARDS, type SampleCard, sessionMac, tac } from './medical-reference.js';

const OPENING = 523_800;
const TERMINAL = '0000330300A1';
const TIME = '20261123101530';
const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

function medicalCard(sample: SampleCard) {
  const profile = loadProfile(fileURLToPath(new URL(`../../emulator/profiles/${sample.profile}.json`, import.meta.url)));
  const t = testCard({ profile, protocol: 'T=1', applications: STANDARD_APPLICATIONS });
  const ok = (apdu: string) => {
    const r = t.send(apdu);
    if (!r.endsWith('9000')) throw new Error(`${apdu} answered ${r}`);
    return r.slice(0, -4);
  };
  const verifyPin = () => ok(`00200000${toHex(Uint8Array.of(encodePinBcd(sample.pin).length))}${toHex(encodePinBcd(sample.pin))}`);
  t.send(SELECT_MEDICAL);
  const dpk = cardKey(sample, 'DPK');
  const dlk = cardKey(sample, 'DLK');
  const dtk = cardKey(sample, 'DTK');
  const dsk = cardKey(sample, 'DSK');

  /** INITIALIZE FOR PURCHASE; returns the answer's fields and the MAC1 a PSAM would compute. */
  const initPurchase = (account: number, selfPay: number, pooling: number, terminalSeq: number, time = TIME) => {
    const r = ok(`B0280101130${1}${hex8(account)}${hex8(selfPay)}${hex8(pooling)}${TERMINAL}16`);
    const seq = r.slice(28, 32);
    const random = r.slice(36, 44);
    const input = `${random}${seq}${hex8(terminalSeq).slice(4)}`;
    const mac1 = sessionMac(sample, dpk, input, `${hex8(account)}${hex8(selfPay)}${hex8(pooling)}02${TERMINAL}${time}`);
    return { answer: r, seq, random, input, mac1, balance: Number.parseInt(r.slice(0, 8), 16) };
  };
  const purchase = (account: number, selfPay: number, pooling: number, terminalSeq: number, time = TIME) => {
    const i = initPurchase(account, selfPay, pooling, terminalSeq, time);
    const r = t.send(`B02C01000F${hex8(terminalSeq)}${time}${i.mac1}08`);
    return { ...i, response: r };
  };
  const balance = () => Number.parseInt(ok('B026000104'), 16);
  return { ...t, ok, verifyPin, dpk, dlk, dtk, dsk, initPurchase, purchase, balance };
}

describe.each(SAMPLE_CARDS)('medical purse B0 commands on $profile ($cipher)', (sample) => {
  it('GET BALANCE needs the PIN, then shows the CIA balance, SPIP/SPFP with the payment year', () => {
    const c = medicalCard(sample);
    expect(c.sw('B026000104')).toBe('6982');
    c.verifyPin();
    expect(c.send('B026000104')).toBe(`${hex8(OPENING)}9000`);
    expect(c.send('B026000206')).toBe('0000000000009000');
    expect(c.sw('B026000406')).toBe('6A86');
  });

  it('a purchase: MAC1 checked, TAC and MAC2 as computed from the key file, balance, SPIP/SPFP and the log record', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    const p = c.purchase(1234, 500, 2000, 0x42);
    expect(p.answer.slice(0, 8)).toBe(hex8(OPENING));
    expect(p.answer.slice(32, 36)).toBe(`01${sample.cipher === 'sm4' ? '03' : '01'}`);
    const amounts = `${hex8(1234)}${hex8(500)}${hex8(2000)}`;
    const expectedTac = tac(sample, c.dtk, `${amounts}02${TERMINAL}${hex8(0x42)}${TIME}`);
    const expectedMac2 = sessionMac(sample, c.dpk, p.input, amounts);
    expect(p.response).toBe(`${expectedTac}${expectedMac2}9000`);
    expect(c.balance()).toBe(OPENING - 1234);
    expect(c.send('B026000206')).toBe(`${hex8(500)}20269000`);
    expect(c.send('B026000306')).toBe(`${hex8(2000)}20269000`);
    // EF08 (SFI 8) record 1: seq ‖ '2' ‖ terminal ‖ time ‖ account ‖ self-pay ‖ pooling
    expect(c.send('00B2014400')).toBe(`${p.seq}32${TERMINAL}${TIME}${amounts}9000`);
    // the next purchase reports the next offline sequence number
    expect(c.initPurchase(1, 0, 0, 0x43).seq).toBe(hex4(Number.parseInt(p.seq, 16) + 1));
  });

  it('GET TRANSACTION PROOF returns MAC2 and TAC of the completed purchase, 9406 for another number', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    const p = c.purchase(100, 0, 0, 7);
    // the DEBIT answered TAC ‖ MAC2; the proof is MAC ‖ TAC
    expect(c.send(`B02E000202${p.seq}08`)).toBe(`${p.response.slice(8, 16)}${p.response.slice(0, 8)}9000`);
    expect(c.sw(`B02E000202${hex4(Number.parseInt(p.seq, 16) + 1)}08`)).toBe('9406');
    expect(c.sw(`B02E000102${p.seq}08`)).toBe('9406');
  });

  it('DEBIT without INITIALIZE → 6901; a CREDIT in the purchase state → 6901 and back to idle', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    expect(c.sw(`B02C01000F00000001${TIME}0000000008`)).toBe('6901');
    const i = c.initPurchase(100, 0, 0, 1);
    expect(c.sw(`B02A00000B${TIME}0000000004`)).toBe('6901');
    expect(c.sw(`B02C01000F00000001${TIME}${i.mac1}08`)).toBe('6901');
    expect(c.balance()).toBe(OPENING);
  });

  it('GET BALANCE keeps the purchase state; selecting DF04 again ends it', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    const i = c.initPurchase(100, 0, 0, 1);
    c.balance();
    expect(c.sw(`B02C01000F00000001${TIME}${i.mac1}08`)).toBe('9000');
    const j = c.initPurchase(100, 0, 0, 2);
    c.ok(SELECT_MEDICAL);
    c.verifyPin();
    expect(c.sw(`B02C01000F00000002${TIME}${j.mac1}08`)).toBe('6901');
  });

  it('an account amount above the balance → 9401; a key index the card lacks → 9403; no PIN → 6982', () => {
    const c = medicalCard(sample);
    expect(c.sw(`B02801011301${hex8(100)}${hex8(0)}${hex8(0)}${TERMINAL}16`)).toBe('6982');
    c.verifyPin();
    expect(c.sw(`B02801011301${hex8(OPENING + 1)}0000000000000000${TERMINAL}16`)).toBe('9401');
    expect(c.sw(`B02801011302${hex8(100)}${hex8(0)}${hex8(0)}${TERMINAL}16`)).toBe('9403');
  });

  it('a wrong MAC1 → 9302, nothing debited, and the transaction is void', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    const i = c.initPurchase(100, 0, 0, 1);
    const wrong = ((Number.parseInt(i.mac1, 16) ^ 1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
    expect(c.sw(`B02C01000F00000001${TIME}${wrong}08`)).toBe('9302');
    expect(c.sw(`B02C01000F00000001${TIME}${i.mac1}08`)).toBe('6901');
    expect(c.balance()).toBe(OPENING);
    expect(c.sw('00B2014400')).toBe('6A83');
  });

  it('SPIP/SPFP add up within the settlement year and restart with the next one (starting day)', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    expect(c.send('B056010002')).toBe('01019000');
    c.purchase(10, 100, 1000, 1, '20260301120000');
    c.purchase(10, 200, 2000, 2, '20261231120000');
    expect(c.send('B026000206')).toBe(`${hex8(300)}20269000`);
    expect(c.send('B026000306')).toBe(`${hex8(3000)}20269000`);
    expect(c.purchase(10, 5, 50, 3, '20270101080000').response.endsWith('9000')).toBe(true);
    expect(c.send('B026000206')).toBe(`${hex8(5)}20279000`);
    expect(c.send('B026000306')).toBe(`${hex8(50)}20279000`);
    expect(c.balance()).toBe(OPENING - 30);
  });

  it('UPDATE STARTING DAY needs DSK; the year then starts on that day', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    expect(c.sw('B0560000020701')).toBe('6982');
    expect(externalAuthenticate(c.send, '87', sample.cipher, c.dsk.toString('hex'))).toBe('9000');
    expect(c.sw('B0560000021301')).toBe('6A80');
    expect(c.sw('B0560000020701')).toBe('9000');
    expect(c.send('B056010002')).toBe('07019000');
    c.purchase(10, 100, 100, 1, '20260801120000');
    c.purchase(10, 100, 100, 2, '20270630120000');
    expect(c.send('B026000206')).toBe(`${hex8(200)}20269000`);
    c.purchase(10, 100, 100, 3, '20270701120000');
    expect(c.send('B026000206')).toBe(`${hex8(100)}20279000`);
  });

  it('a load: MAC1 from the card, MAC2 from the host, TAC; balance up; wrong MAC2 → 9302', () => {
    const c = medicalCard(sample);
    c.verifyPin();
    const init = () => {
      const r = c.ok(`B02800010B01${hex8(5000)}${TERMINAL}10`);
      const seq = r.slice(8, 12);
      const random = r.slice(16, 24);
      return { r, seq, input: `${random}${seq}8000` };
    };
    const i = init();
    expect(i.r.slice(0, 8)).toBe(hex8(OPENING));
    expect(i.r.slice(24, 32)).toBe(sessionMac(sample, c.dlk, i.input, `${hex8(OPENING)}${hex8(5000)}01${TERMINAL}`));
    expect(c.sw(`B02A00000B${TIME}0000000004`)).toBe('9302');
    expect(c.balance()).toBe(OPENING);
    const j = init();
    const mac2 = sessionMac(sample, c.dlk, j.input, `${hex8(5000)}01${TERMINAL}${TIME}`);
    const expectedTac = tac(sample, c.dtk, `${hex8(OPENING + 5000)}${j.seq}${hex8(5000)}01${TERMINAL}${TIME}`);
    expect(c.send(`B02A00000B${TIME}${mac2}04`)).toBe(`${expectedTac}9000`);
    expect(c.balance()).toBe(OPENING + 5000);
    expect(c.send(`B02E000102${j.seq}08`)).toBe(`${mac2}${expectedTac}9000`);
    expect(c.send('00B2014400')).toBe(`${j.seq}31${TERMINAL}${TIME}${hex8(5000)}${hex8(0)}${hex8(0)}9000`);
    expect(init().seq).toBe(hex4(Number.parseInt(j.seq, 16) + 1));
  });
});
