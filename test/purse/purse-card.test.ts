import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATE, refKeys, refLoad, refPurchase, TIME, u16, u32 } from './purse-reference-terminal.js';
import { fixedRandom, purseCard, purseKeyFile, SELECT_PURSE, TERM } from './purse-test-card.js';
import type { PurseTranscript } from './purse-vector-steps.js';

const VECTORS = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test-vectors/epurse-transactions.json', import.meta.url)), 'utf8'),
) as {
  transcripts: PurseTranscript[];
};
const ASN8 = VECTORS.transcripts[0]!.asn8;
const OPENING = 5000;

describe('transport e-purse on the default card: fixed vectors (test-vectors/epurse-transactions.json)', () => {
  for (const t of VECTORS.transcripts) {
    it(`${t.algorithm}: every answer of load, purchase and compound purchase is the reference's`, () => {
      const c = purseCard({ algorithm: t.algorithm, random: fixedRandom(t.randoms) });
      expect(c.sw(SELECT_PURSE)).toBe('9000');
      for (const step of t.steps) expect(`${step.name}: ${c.send(step.command)}`).toBe(`${step.name}: ${step.response}`);
    });
  }
  it('the vectors were made for this card: its ASN8 and keys', () => {
    const c = purseCard();
    c.sw(SELECT_PURSE);
    expect(c.send('00B0950000').slice(24, 40)).toBe(ASN8);
    expect(VECTORS.transcripts[0]!.masters.load).toBe(purseKeyFile().purse.load!.master);
  });
});

for (const alg of ['3des', 'sm4'] as const) {
  describe(`transport e-purse (${alg}) checked by the independent reference with the card's own randoms`, () => {
    const k = refKeys(purseKeyFile('default', alg), ASN8, alg);
    const open = () => {
      const c = purseCard({ algorithm: alg });
      expect(c.sw(SELECT_PURSE)).toBe('9000');
      return c;
    };

    it('load: MAC1 from the card is right, CREDIT with MAC2 answers the right TAC, balance and online ATC move', () => {
      const c = open();
      for (let i = 0; i < 3; i++) {
        const l = refLoad(c.send, k, 1234);
        expect(l.init!.slice(12, 16)).toBe(alg === '3des' ? '0100' : '0104'); // key version 1, algorithm id
        expect(l.atc).toBe(u16(i));
        expect(l.mac1Ok).toBe(true);
        expect(c.send(l.credit!)).toBe(`${l.expectedTac}9000`);
      }
      expect(c.balance()).toBe(OPENING + 3 * 1234);
    });

    it('purchase: DEBIT with MAC1 answers the right TAC and MAC2; offline ATC moves; records say what happened', () => {
      const c = open();
      for (let i = 0; i < 2; i++) {
        const p = refPurchase(c.send, k, 100 + i, { seq: 500 + i });
        expect(p.atc).toBe(u16(i));
        expect(c.send(p.debit!)).toBe(p.expected);
      }
      expect(c.balance()).toBe(OPENING - 201);
      expect(c.send('00B201C400')).toBe(`0001000000${u32(101)}06${TERM}${DATE}${TIME}9000`);
      expect(c.send('00B202C400')).toBe(`0000000000${u32(100)}06${TERM}${DATE}${TIME}9000`);
      expect(c.sw('00B203C400')).toBe('6A83');
    });
  });
}

describe('transport e-purse: refusals leave the balance and the counters untouched', () => {
  const k = refKeys(purseKeyFile(), ASN8, '3des');
  const open = () => {
    const c = purseCard();
    c.sw(SELECT_PURSE);
    return c;
  };
  const atcs = (c: ReturnType<typeof open>) => ({
    online: c.send(`805000020B01${u32(1)}${TERM}10`).slice(8, 12),
    offline: c.send(`805001020B01${u32(1)}${TERM}0F`).slice(8, 12),
  });

  it('a load past 1000 yuan: 6A80 at INITIALIZE, before any MAC; up to the limit is fine', () => {
    const c = open();
    expect(refLoad(c.send, k, 100_000 - OPENING + 1).initSw).toBe('6A80');
    expect(c.sw(`805200000B${DATE}${TIME}0000000004`)).toBe('6985');
    expect(c.balance()).toBe(OPENING);
    const l = refLoad(c.send, k, 100_000 - OPENING);
    expect(c.send(l.credit!)).toBe(`${l.expectedTac}9000`);
    expect(c.balance()).toBe(100_000);
    expect(refLoad(c.send, k, 1).initSw).toBe('6A80');
  });

  it('insufficient balance: 9401 at INITIALIZE FOR PURCHASE; the whole balance can be spent', () => {
    const c = open();
    expect(refPurchase(c.send, k, OPENING + 1).initSw).toBe('9401');
    expect(c.balance()).toBe(OPENING);
    const p = refPurchase(c.send, k, OPENING);
    expect(c.send(p.debit!)).toBe(p.expected);
    expect(c.balance()).toBe(0);
    expect(refPurchase(c.send, k, 1).initSw).toBe('9401');
  });

  it('wrong MAC2 on CREDIT: 9302 and the load is void (the right MAC2 afterwards: 6985)', () => {
    const c = open();
    const before = atcs(c);
    const bad = refLoad(c.send, k, 500, { spoilMac2: true });
    expect(c.sw(bad.credit!)).toBe('9302');
    const good = refLoad(c.send, k, 500);
    expect(c.sw(`805000020B01${u32(1)}${TERM}10`)).toBe('9000'); // a new INITIALIZE ends the first
    expect(c.sw(good.credit!)).toBe('9302'); // its MAC2 belongs to the other random
    expect(c.balance()).toBe(OPENING);
    expect(atcs(c)).toEqual(before);
  });

  it('wrong MAC1 on DEBIT: 9302, purchase void, nothing debited, no record', () => {
    const c = open();
    const before = atcs(c);
    const p = refPurchase(c.send, k, 300, { spoilMac1: true });
    expect(c.sw(p.debit!)).toBe('9302');
    const fixed = p.debit!.slice(0, -10) + refPurchase(() => p.init!, k, 300).debit!.slice(-10);
    expect(c.sw(fixed)).toBe('6985');
    expect(c.balance()).toBe(OPENING);
    expect(c.sw('00B201C400')).toBe('6A83');
    expect(atcs(c)).toEqual(before);
  });

  it('a replayed DEBIT (the same command after success) is 6985: debited once', () => {
    const c = open();
    const p = refPurchase(c.send, k, 300);
    expect(c.send(p.debit!)).toBe(p.expected);
    expect(c.sw(p.debit!)).toBe('6985');
    expect(c.sw(p.debit!)).toBe('6985');
    expect(c.balance()).toBe(OPENING - 300);
    expect(c.send('00B202C400').slice(-4)).toBe('6A83');
  });

  it('a replayed CREDIT is 6985: loaded once', () => {
    const c = open();
    const l = refLoad(c.send, k, 700);
    expect(c.send(l.credit!)).toBe(`${l.expectedTac}9000`);
    expect(c.sw(l.credit!)).toBe('6985');
    expect(c.balance()).toBe(OPENING + 700);
  });

  it('CREDIT/DEBIT without INITIALIZE in the same session: 6985 (none, another kind, after reset, after SELECT)', () => {
    const c = open();
    expect(c.sw(`805200000B${DATE}${TIME}0000000004`)).toBe('6985');
    expect(c.sw(`805401000F00000001${DATE}${TIME}0000000008`)).toBe('6985');
    const l = refLoad(c.send, k, 100);
    // A DEBIT while a load is pending is refused and leaves the load alone.
    expect(c.sw(`805401000F00000001${DATE}${TIME}0000000008`)).toBe('6985');
    expect(c.send(l.credit!)).toBe(`${l.expectedTac}9000`);
    const l2 = refLoad(c.send, k, 100);
    c.card.reset();
    c.sw(SELECT_PURSE);
    expect(c.sw(l2.credit!)).toBe('6985');
    const p = refPurchase(c.send, k, 100);
    expect(c.sw(SELECT_PURSE)).toBe('9000');
    expect(c.sw(p.debit!)).toBe('6985');
    expect(c.balance()).toBe(OPENING + 100);
  });

  it('an unknown key index: 9403; wrong P1/P2 and lengths are refused', () => {
    const c = open();
    expect(c.sw(`805000020B03${u32(100)}${TERM}10`)).toBe('9403');
    expect(c.sw(`805001020B03${u32(100)}${TERM}0F`)).toBe('9403');
    expect(c.sw(`805000010B01${u32(100)}${TERM}10`)).toBe('6A86');
    expect(c.sw(`805002020B01${u32(100)}${TERM}10`)).toBe('6A86');
    expect(c.sw(`805000020A01${u32(100)}${TERM.slice(2)}10`)).toBe('6700');
    expect(c.sw('805C000104')).toBe('6A86');
  });

  it('key index 02 selects the version-2 keys', () => {
    const c = open();
    const file = purseKeyFile();
    const k2 = { ...k, load: file.purse['load-02']!.master, tac: file.purse['tac-02']!.master };
    const init = c.send(`805000020B02${u32(100)}${TERM}10`);
    expect(init.slice(12, 14)).toBe('02');
    c.sw(SELECT_PURSE);
    const l = refLoad((h) => c.send(h.replace(/^805000020B01/, '805000020B02')), k2, 100);
    expect(l.mac1Ok).toBe(true);
    expect(c.send(l.credit!)).toBe(`${l.expectedTac}9000`);
  });
});

describe('transport e-purse: selection, interfaces, compound purchase', () => {
  it('is reachable by AID and as DF 1001 under the MF, on the contact and the contactless interface', () => {
    for (const contactless of [true, false]) {
      const c = purseCard({ contactless });
      expect(c.sw('00A40000023F00')).toMatch(/9000|61../);
      expect(c.sw('00A40000021001')).toMatch(/9000|61../);
      expect(c.send('805C000204')).toBe(`${u32(OPENING)}9000`);
      expect(c.sw(SELECT_PURSE)).toMatch(/9000|61../);
      expect(c.send('805C000204')).toBe(`${u32(OPENING)}9000`);
    }
  });

  it('outside the purse ADF its commands are unknown', () => {
    const c = purseCard();
    expect(c.sw('805C000204')).toBe('6D00');
  });

  it('metro entry (0 fen) and exit: CAPP record and trip written with the debit; a cache without a compound INITIALIZE is 6985', () => {
    const k = refKeys(purseKeyFile(), ASN8, '3des');
    const c = purseCard();
    c.sw(SELECT_PURSE);
    const trip = (type: string, amount: number, atc: number, after: number) =>
      `${type}${u16(atc)}${u32(amount)}${TERM}${DATE}${TIME}${u32(after)}0A0B0C0D${'00'.repeat(20)}`;
    const capp = (state: string) => `02${state}${'00'.repeat(46)}`;
    expect(c.sw(`80DC00F030${trip('01', 0, 0, OPENING)}`)).toBe('6985');
    // Entry: 0 fen, in-station flag set.
    const entry = refPurchase(c.send, k, 0, { p1: '03', seq: 1 });
    expect(c.sw(`80DC02B830${capp('01')}`)).toBe('9000');
    expect(c.sw(`80DC00F030${trip('01', 0, 0, OPENING)}`)).toBe('9000');
    expect(c.send(entry.debit!)).toBe(entry.expected);
    expect(c.send('00B202B800')).toBe(`${capp('01')}9000`); // by tag 02 in SFI 17
    // Exit: 3.00 yuan, flag cleared; a wrong MAC1 first writes nothing.
    const bad = refPurchase(c.send, k, 300, { p1: '03', seq: 2, spoilMac1: true });
    expect(c.sw(`80DC02B830${capp('00')}`)).toBe('9000');
    expect(c.sw(bad.debit!)).toBe('9302');
    expect(c.send('00B202B800')).toBe(`${capp('01')}9000`);
    const exit = refPurchase(c.send, k, 300, { p1: '03', seq: 3 });
    expect(c.sw(`80DC02B830${capp('00')}`)).toBe('9000');
    expect(c.sw(`80DC00F030${trip('02', 300, 1, OPENING - 300)}`)).toBe('9000');
    expect(c.send(exit.debit!)).toBe(exit.expected);
    expect(c.send('00B202B800')).toBe(`${capp('00')}9000`);
    expect(c.send('00B201F400')).toBe(`${trip('02', 300, 1, OPENING - 300)}9000`);
    expect(c.send('00B202F400')).toBe(`${trip('01', 0, 0, OPENING)}9000`);
    expect(c.balance()).toBe(OPENING - 300);
    // A plain purchase has no cache; a plain purchase of 0 fen is refused.
    refPurchase(c.send, k, 10);
    expect(c.sw(`80DC00F030${trip('01', 0, 0, OPENING)}`)).toBe('6985');
    expect(refPurchase(c.send, k, 0).initSw).toBe('6A80');
  });

  it('the purse records and counters survive in the state (a new card over the same store)', () => {
    const k = refKeys(purseKeyFile(), ASN8, '3des');
    const c = purseCard();
    c.sw(SELECT_PURSE);
    const l = refLoad(c.send, k, 2000);
    c.send(l.credit!);
    const again = purseCard({ store: c.store });
    again.sw(SELECT_PURSE);
    expect(again.balance()).toBe(OPENING + 2000);
    expect(again.send(`805000020B01${u32(1)}${TERM}10`).slice(8, 12)).toBe('0001');
    expect(again.send('00B201C400').slice(10, 18)).toBe(u32(2000));
  });
});
