import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { findTlv, parseTlv } from '../../src/bytes/tlv.js';
import {
  bankCard,
  DEFAULT_PAN,
  gpoCommand,
  issuerCryptogram,
  SELECT_DEBIT,
  SELECT_PPSE,
  SELECT_PSE,
  sampleMasterKey,
} from './pboc-helpers.js';

const tlv = (hex: string) => parseTlv(fromHex(hex.slice(0, -4)));
const value = (hex: string, tag: number): string => {
  const find = (objs: ReturnType<typeof parseTlv>): string | undefined => {
    for (const o of objs) {
      if (o.tag === tag) return toHex(o.value);
      const inner = o.children && find(o.children);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(tlv(hex)) ?? '';
};
const CONTACT_GPO = gpoCommand(0, { ttq: '00000000' });

describe('PBOC directories and FCI', () => {
  it('PSE (contact): FCI names SFI 1, whose record lists the debit AID with label and priority', () => {
    const c = bankCard('contact');
    const fci = c.send(SELECT_PSE);
    expect(fci.slice(-4)).toBe('611E'); // T=0 contact card
    const full = c.send('00C000001E');
    expect(value(full, 0x88)).toBe('01');
    expect(c.send('00B2010C00')).toBe('6C1D'); // T=0: READ RECORD wants the real length
    const r = c.send('00B2010C1D');
    expect(r.slice(-4)).toBe('9000');
    expect(value(r, 0x4f)).toBe('A000000333010101');
    expect(value(r, 0x87)).toBe('01');
    expect(Buffer.from(value(r, 0x50), 'hex').toString()).toBe('PBOC DEBIT');
  });

  it('PPSE (contactless): BF0C > 61 > 4F/50/87 in the FCI', () => {
    const c = bankCard('contactless');
    const fci = c.send(SELECT_PPSE);
    expect(fci.slice(-4)).toBe('9000');
    const bf0c = findTlv(findTlv(findTlv(tlv(fci), 0x6f)!.children!, 0xa5)!.children!, 0xbf0c)!;
    const entry = bf0c.children![0]!;
    expect(entry.tag).toBe(0x61);
    expect(toHex(findTlv(entry.children!, 0x4f)!.value)).toBe('A000000333010101');
  });

  it('ADF FCI carries the PDOL of card-facts §7 and the log entry 9F4D (SFI 0B, 10 records)', () => {
    const c = bankCard('contactless');
    const fci = c.send(SELECT_DEBIT);
    expect(value(fci, 0x9f38)).toBe('9F66049F02069F03069F1A0295055F2A029A039C019F3704');
    expect(value(fci, 0x9f4d)).toBe('0B0A');
  });
});

describe('GET PROCESSING OPTIONS and the ATC', () => {
  it('contact: AIP/AFL, the ATC counts every GPO', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    expect(c.send('80CA9F3600')).toBe('9F360200009000');
    const r = c.send(CONTACT_GPO);
    expect(r.slice(-4)).toBe('9000');
    expect(value(r, 0x82)).toBe('1800');
    expect(value(r, 0x94)).toBe('0801010010010200');
    c.send(CONTACT_GPO);
    expect(c.send('80CA9F3600')).toBe('9F360200029000');
  });

  it('wrong PDOL data length → 6700, no 83 template → 6A80, P1P2 → 6A86; the ATC does not move', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    expect(c.sw('80A80000048302000000')).toBe('6700');
    expect(c.sw('80A80000028000')).toBe('6A80');
    expect(c.sw(CONTACT_GPO.replace('80A80000', '80A80100'))).toBe('6A86');
    expect(c.send('80CA9F3600')).toBe('9F360200009000');
  });

  it('the application locks at ATC 65535: GPO 6985 from then on, GET DATA still answers', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    c.send('80CA9F3600'); // creates the application state
    (c.card.context.applicationData['pboc-debit'] as { atc: number }).atc = 65534;
    expect(c.sw(CONTACT_GPO)).toBe('9000');
    expect(c.send('80CA9F3600')).toBe('9F3602FFFF9000');
    expect(c.sw(CONTACT_GPO)).toBe('6985');
    expect(c.sw(gpoCommand(100))).toBe('6985');
    expect(c.send('80CA9F3600')).toBe('9F3602FFFF9000');
    expect(c.send('80CA9F7900')).toBe('9F79060000000200009000');
  });
});

describe('GET DATA', () => {
  it('answers 9F79, 9F77, 9F78, 9F13, 9F36, 9F17, 9F4F and hides AIP/AFL', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    expect(c.send('80CA9F7900')).toBe('9F79060000000200009000');
    expect(c.send('80CA9F7700')).toBe('9F77060000001000009000');
    expect(c.send('80CA9F7800')).toBe('9F78060000000100009000');
    expect(c.send('80CA9F1300')).toBe('9F130200009000');
    expect(c.send('80CA9F3600')).toBe('9F360200009000');
    expect(c.send('80CA9F1700')).toBe('9F1701039000');
    expect(c.send('80CA9F4F00')).toBe('9F4F139A039F02069F03069F1A025F2A029C019F36029000');
    expect(c.sw('80CA008200')).toBe('6A88');
    expect(c.sw('80CA009400')).toBe('6A88');
    expect(c.sw('80CA9F7A00')).toBe('6A88');
  });
});

describe('offline PIN (VERIFY P2=80, format 2 block)', () => {
  it('has its own try counter (3), shown by 9F17 and VERIFY without data; a right PIN restores it', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    expect(c.sw('0020008008 26111111FFFFFFFF')).toBe('63C2');
    expect(c.send('80CA9F1700')).toBe('9F1701029000');
    expect(c.sw('00200080')).toBe('63C2');
    expect(c.sw('0020008008 26123456FFFFFFFF')).toBe('9000');
    expect(c.sw('00200080')).toBe('9000');
    expect(c.send('80CA9F1700')).toBe('9F1701039000');
  });

  it('blocks after 3 wrong PINs (6983), even for the right one; the social security PIN is untouched', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    expect(c.sw('0020008008 26111111FFFFFFFF')).toBe('63C2');
    expect(c.sw('0020008008 26111111FFFFFFFF')).toBe('63C1');
    expect(c.sw('0020008008 26111111FFFFFFFF')).toBe('63C0');
    expect(c.sw('0020008008 26123456FFFFFFFF')).toBe('6983');
    expect(c.send('80CA9F1700')).toBe('9F1701009000');
    const pins = c.card.context.snapshot().pins;
    const ssse = Object.entries(pins).filter(([k]) => !k.includes('A000000333010101'));
    expect(ssse.every(([, p]) => p.triesLeft > 0)).toBe(true);
  });

  it('malformed blocks cost no try (6A80); wrong length 6A80', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    expect(c.sw('0020008008 3612345FFFFFFFFF')).toBe('6A80');
    expect(c.sw('0020008008 261234AFFFFFFFFF')).toBe('6A80');
    expect(c.sw('0020008008 2612345600FFFFFF')).toBe('6A80');
    expect(c.sw('0020008004 26123456')).toBe('6A80');
    expect(c.send('80CA9F1700')).toBe('9F1701039000');
  });
});

describe('qPBOC electronic-cash purchase (contactless GPO)', () => {
  it('approves within the limits: TC, balance debited, ATC + 1, a log record; the AC verifies at the issuer', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    const gpo = gpoCommand(1234);
    const r = c.send(gpo);
    expect(r.slice(-4)).toBe('9000');
    expect(value(r, 0x9f27)).toBe('40');
    expect(value(r, 0x9f36)).toBe('0001');
    expect(value(r, 0x9f5d)).toBe('000000018766');
    expect(value(r, 0x57)).toMatch(/^6217003303001234565D3211/);
    expect(value(r, 0x5f34)).toBe('01');
    expect(c.send('80CA9F7900')).toBe('9F79060000000187669000');
    const log = c.send('00B2015C00');
    expect(log).toBe('251116000000001234000000000000015601560000019000');
    const iad = value(r, 0x9f10);
    expect(iad).toBe('0701010310080301');
    const pdolData = fromHex(gpo.replace(/\s/g, '').slice(14, -2));
    expect(value(r, 0x9f26)).toBe(
      issuerCryptogram(sampleMasterKey(), {
        pan: DEFAULT_PAN,
        psn: 1,
        atc: 1,
        transactionData: pdolData,
        aip: fromHex('1800'),
        iad: fromHex(iad),
      }),
    );
  });

  it('declines with an AAC: amount 0, over the single limit (100.00), over the balance, another currency — nothing debited, nothing logged', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    const reasons = (amount: number, currency?: string) => {
      const r = c.send(gpoCommand(amount, currency ? { currency } : {}));
      expect(r.slice(-4)).toBe('9000');
      expect(value(r, 0x9f27)).toBe('00');
      return value(r, 0x9f10).slice(10, 12);
    };
    expect(reasons(0)).toBe('80');
    expect(reasons(10001)).toBe('40');
    expect(reasons(10000, '0840')).toBe('10');
    // Spend down to 20.00, then 90.00 is within the limit but over the balance.
    for (let i = 0; i < 2; i++) expect(value(c.send(gpoCommand(9000)), 0x9f27)).toBe('40');
    expect(c.send('80CA9F7900')).toBe('9F79060000000020009000');
    expect(reasons(9000)).toBe('20');
    expect(reasons(2001)).toBe('20');
    expect(value(c.send(gpoCommand(2000)), 0x9f27)).toBe('40');
    expect(c.send('80CA9F7900')).toBe('9F79060000000000009000');
    expect(reasons(1)).toBe('20');
    // Every GPO counted, only the three approved ones logged.
    expect(c.send('80CA9F3600')).toBe('9F360200099000');
    expect(c.sw('00B2045C00')).toBe('6A83');
    expect(c.send('00B2015C00').slice(-8, -4)).toBe('0008');
  });

  it('an amount 9F02 that is not BCD is wrong data (6A80), not a card fault; the ATC does not move (found by the fuzz campaign)', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    const atc = c.send('80CA9F3600');
    const gpo = gpoCommand(100);
    // "80A8000023 8321" then TTQ (4 bytes) then the amount 9F02 (6 bytes).
    const bad = `${gpo.slice(0, 15 + 8)}0000009B1379${gpo.slice(15 + 8 + 12)}`;
    expect(c.sw(bad)).toBe('6A80');
    expect(c.send('80CA9F3600')).toBe(atc);
    expect(c.send('80CA9F7900')).toBe('9F79060000000200009000');
  });

  it('a purchase GPO with a short Le is not answered 6Cxx (which invites a re-send): what fits and 61xx, one debit (found by the fuzz campaign)', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    const shortLe = `${gpoCommand(1432).slice(0, -2)}01`;
    const first = c.send(shortLe);
    expect(first).toMatch(/^7761[0-9A-F]{2}$/); // one byte (Le=01), the rest announced
    const rest = c.send(`00C00000${first.slice(-2)}`);
    expect(rest.slice(-4)).toBe('9000');
    expect(c.send('80CA9F7900')).toBe('9F79060000000185689000');
  });

  it('exactly the limit and exactly the balance are approved', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    expect(value(c.send(gpoCommand(10000)), 0x9f27)).toBe('40');
    expect(value(c.send(gpoCommand(10000)), 0x9f27)).toBe('40');
    expect(c.send('80CA9F7900')).toBe('9F79060000000000009000');
  });

  it('the log is cyclic: 10 records, the most recent first', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    for (let i = 1; i <= 12; i++) c.send(gpoCommand(i));
    expect(c.send('00B2015C00').slice(0, 18)).toBe('251116000000000012');
    expect(c.send('00B20A5C00').slice(0, 18)).toBe('251116000000000003');
    expect(c.sw('00B20B5C00')).toBe('6A83');
  });

  it('contactless without qPBOC in the TTQ, and every contact GPO, is the plain AIP/AFL answer (no debit)', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    const announced = c.send(gpoCommand(100));
    expect(c.send(`00C00000${announced.slice(-2)}`).slice(0, 4)).toBe('770E');
    expect(c.send('80CA9F7900')).toBe('9F79060000000200009000');
    const cl = bankCard('contactless');
    cl.send(SELECT_DEBIT);
    expect(cl.send(gpoCommand(100, { ttq: '40000000' })).slice(0, 4)).toBe('770E');
    expect(cl.send('80CA9F7900')).toBe('9F79060000000200009000');
    expect(cl.send('80CA9F3600')).toBe('9F360200019000');
  });
});

describe('GENERATE AC', () => {
  const CDOL1 = `000000001000 000000000000 0156 0000000000 0156 251116 00 CAFEBABE`.replace(/\s/g, '');

  it('needs a GPO first, once per transaction; the CDOL1 length is checked', () => {
    const c = bankCard('contactless');
    c.send(SELECT_DEBIT);
    expect(c.sw(`80AE80001D${CDOL1}00`)).toBe('6985');
    c.send(CONTACT_GPO.replace('36000080', '40000000'));
    expect(c.sw(`80AE80001C${CDOL1.slice(0, -2)}00`)).toBe('6700');
    expect(c.sw(`80AEC0001D${CDOL1}00`)).toBe('6A86');
    expect(c.sw(`80AE80001D${CDOL1}00`)).toBe('9000');
    expect(c.sw(`80AE80001D${CDOL1}00`)).toBe('6985');
    c.send(SELECT_DEBIT);
    expect(c.sw(`80AE80001D${CDOL1}00`)).toBe('6985');
  });

  for (const [type, p1, cid] of [
    ['ARQC', '80', '80'],
    ['TC', '40', '40'],
    ['AAC', '00', '00'],
  ] as const) {
    it(`${type}: CID ${cid}, the ATC of the GPO, and a cryptogram the issuer recomputes`, () => {
      const c = bankCard('contactless');
      c.send(SELECT_DEBIT);
      c.send(gpoCommand(0, { ttq: '40000000' }));
      c.send(gpoCommand(0, { ttq: '40000000' }));
      const r = c.send(`80AE${p1}001D${CDOL1}00`);
      expect(value(r, 0x9f27)).toBe(cid);
      expect(value(r, 0x9f36)).toBe('0002');
      const iad = value(r, 0x9f10);
      expect(iad.slice(8, 10)).toBe({ AAC: '00', TC: '10', ARQC: '20' }[type]);
      expect(value(r, 0x9f26)).toBe(
        issuerCryptogram(sampleMasterKey(), {
          pan: DEFAULT_PAN,
          psn: 1,
          atc: 2,
          transactionData: fromHex(CDOL1),
          aip: fromHex('1800'),
          iad: fromHex(iad),
        }),
      );
    });
  }

  it('the IAD shows a verified offline PIN and the tries left', () => {
    const c = bankCard('contact');
    c.send(SELECT_DEBIT);
    c.send('0020008008 26111111FFFFFFFF');
    c.send('0020008008 26123456FFFFFFFF');
    c.send(CONTACT_GPO);
    const announced = c.send(`80AE80001D${CDOL1}00`);
    const r = c.send(`00C00000${announced.slice(-2)}`);
    expect(value(r, 0x9f10)).toBe('0701010324000301');
  });
});
