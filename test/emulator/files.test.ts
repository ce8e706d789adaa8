import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { challengeOf, KEYS, SELECT_SSSE, specAuthData, testCard } from './card-helpers.js';

const EF05_REC3 = '0304332E3030';

describe('READ BINARY / UPDATE BINARY', () => {
  it('reads the current EF from an offset and by SFI from the current DF', () => {
    const { send } = testCard({ protocol: 'T=1' });
    expect(send('00A4020C020001')).toBe('9000');
    expect(send('00B0000000')).toBe('11223344556677889000');
    expect(send('00B0000204')).toBe('334455669000');
    expect(send('00B0810300')).toBe('445566778899000'.replace('8899000', '889000'));
  });

  it('T=1: Le past the end returns what is there with 6282; an offset past the end is 6B00', () => {
    const { send } = testCard({ protocol: 'T=1' });
    expect(send('00B0810610')).toBe('77886282');
    expect(send('00B0810900')).toBe('6B00');
  });

  it('T=0: a wrong Le is answered 6Cxx and the re-sent command succeeds', () => {
    const { send } = testCard();
    expect(send('00B0810610')).toBe('6C02');
    expect(send('00B0810602')).toBe('77889000');
  });

  it('answers 6986 with no current EF, 6981 on a record file, 6A82 for an unknown SFI', () => {
    const { send } = testCard();
    expect(send('00B0000000')).toBe('6986');
    send(SELECT_SSSE);
    expect(send('00B0850000')).toBe('6981');
    expect(send('00B0940000')).toBe('6A82');
  });

  it('updates a free EF and the data reads back; too long is 6700', () => {
    const { send, store } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    expect(send('00D68C0204CAFEBABE')).toBe('9000');
    expect(send('00B08C0000')).toBe('0000CAFEBABE00000000000000000000' + '9000');
    expect(store.saved?.files['3F00/1001/EF0C']).toEqual({ content: '0000CAFEBABE00000000000000000000' });
    expect(send('00D68C0E04CAFEBABE')).toBe('6700');
    expect(send('00D68C1104CAFEBABE')).toBe('6B00');
  });

  it('reads 4096 bytes of photo in 256-byte pieces after external auth (Le=00)', () => {
    const { card } = testCard({ protocol: 'T=1' });
    const ef = card.context.mf
      .dedicatedFiles()[0]!
      .elementaryFiles()
      .find((e) => e.sfi === 8)!;
    expect(ef.size).toBe(4096);
    expect(ef.content.subarray(0, 4)).toEqual(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0));
  });
});

describe('READ RECORD (P5 §6.10: every form of the real traces, modes 100–110 and 000–011)', () => {
  it('reads record rr of the current EF with P2=04', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('00A4020002EF05');
    expect(send('00B2030406')).toBe(`${EF05_REC3}9000`);
  });

  it('reads the first record whose tag is tt with P2=00', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('00A4020002EF05');
    expect(send('00B2030006')).toBe(`${EF05_REC3}9000`);
    expect(send('00B207000B')).toBe('070942374B333334373734' + '9000');
  });

  it('reads by record number with SFI (2C = SFI 5, 34 = SFI 6) without a SELECT', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032C06')).toBe(`${EF05_REC3}9000`);
    expect(send('00B2033403')).toBe('0A01319000');
  });

  it('reads by tag with SFI (28 = SFI 5, 30 = SFI 6)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032806')).toBe(`${EF05_REC3}9000`);
    expect(send('00B20D3006')).toBe('0D04198001019000');
    expect(send('00B2083014')).toBe('0812313130313031313938303031303130303131' + '9000');
  });

  it('T=0: Le = 00 or any other Le than the real length gets 6Cxx, then the exact Le works', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032C00')).toBe('6C06');
    expect(send('00B2032C10')).toBe('6C06');
    expect(send('00B2032C06')).toBe(`${EF05_REC3}9000`);
    expect(send('00B2032800')).toBe('6C06');
  });

  it('T=1 and contactless: Le = 00 or a longer Le returns the record, a shorter Le is 6Cxx', () => {
    for (const card of [testCard({ protocol: 'T=1' }), testCard({ cardInterface: 'contactless' })]) {
      card.send(SELECT_SSSE);
      expect(card.send('00B2032C00')).toBe(`${EF05_REC3}9000`);
      expect(card.send('00B2032C02')).toBe('6C06');
      expect(card.send('00B2032C10')).toBe(`${EF05_REC3}9000`);
    }
  });

  it('mode 101 answers records P1 to the last, mode 110 the last down to P1, concatenated', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    // EF06 (SFI 6): record 3 = 0A0131, record 4 = 0D0419800101.
    expect(send('00B2033500')).toBe('6C09');
    expect(send('00B2033509')).toBe('0A01310D04198001019000');
    expect(send('00B2033609')).toBe('0D04198001010A01319000');
    expect(send('00B2043506')).toBe('0D04198001019000');
    expect(send('00B2053500')).toBe('6A83');
    expect(send('00B2053600')).toBe('6A83');
  });

  it('more than 256 bytes of records on T=0 with Le = 00: 256 bytes, the rest with GET RESPONSE', () => {
    const { send, card } = testCard();
    // EF05 (SFI 5) with five 64-byte records: 320 bytes from record 1 to the last.
    const ef05 = card.context.mf
      .dedicatedFiles()[0]!
      .elementaryFiles()
      .find((e) => e.sfi === 5)!;
    ef05.records = Array.from({ length: 5 }, (_, i) => Uint8Array.of(0x10 + i, 62, ...new Array(62).fill(i)));
    send(SELECT_SSSE);
    const first = send('00B2012D00');
    expect(first).toBe(`${ef05.records.slice(0, 4).map(toHex).join('')}6140`);
    expect(send('00C0000040')).toBe(`${toHex(ef05.records[4]!)}9000`);
  });

  it('follows next/last/previous occurrence of a tag; identifier 00 names any record', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    // EF0B cyclic: records 00000003, 00000002 — both start with 00.
    expect(send('00B2005804')).toBe('000000039000');
    expect(send('00B2005A04')).toBe('000000029000');
    expect(send('00B2005A04')).toBe('6A83');
    expect(send('00B2005904')).toBe('000000029000');
    expect(send('00B2005B04')).toBe('000000039000');
    expect(send('00B2000404')).toBe('000000039000');
    // EF06: tags 08 09 0A 0D; identifier 00 walks them by number.
    expect(send('00B2003003')).toBe('6C14');
    expect(send('00B2003014')).toBe('0812313130313031313938303031303130303131' + '9000');
    expect(send('00B2003220')).toBe(`091ED5C5C8FD${'00'.repeat(26)}9000`);
    expect(send('00B20A3203')).toBe('0A01319000');
    expect(send('00B2093320')).toBe(`091ED5C5C8FD${'00'.repeat(26)}9000`);
    expect(send('00B20A3103')).toBe('0A01319000');
  });

  it('reading by record number leaves the record pointer alone; identifier access moves it (P3 §5.3)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2005A04')).toBe('000000039000'); // next: record 1 becomes current
    expect(send('00B2025C04')).toBe('000000029000'); // record 2 by number
    expect(send('00B2000404')).toBe('000000039000'); // current record: still record 1
    expect(send('00B2005A04')).toBe('000000029000'); // next after record 1
    expect(send('00B2015D08')).toBe('00000003000000029000'); // records 1..last
    expect(send('00B2000404')).toBe('000000029000');
  });

  it('a 6Cxx answer does not move the record pointer, so the re-sent command reads the same record', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2005A00')).toBe('6C04');
    expect(send('00B2005A04')).toBe('000000039000');
    expect(send('00B2005A10')).toBe('6C04');
    expect(send('00B2005A04')).toBe('000000029000');
  });

  it('answers 6A83 for a missing record or tag, 6981 on a transparent EF, 6A86 for mode 111', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2092C00')).toBe('6A83');
    expect(send('00B2422800')).toBe('6A83');
    expect(send('00B2002C00')).toBe('6A83'); // no current record
    expect(send('00B2013C00')).toBe('6981');
    expect(send('00B2012F00')).toBe('6A86');
  });
});

describe('UPDATE RECORD (P5 §6.13)', () => {
  it('updates EF06 after VERIFY, by number and by tag; FF is no record number', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00DC0334030A0132')).toBe('6982');
    expect(send('0020000003123456')).toBe('9000');
    expect(send('00DC0334030A0132')).toBe('9000');
    expect(send('00B2033403')).toBe('0A01329000');
    expect(send('00DC0A30030A0131')).toBe('9000');
    expect(send('00B20A3003')).toBe('0A01319000');
    expect(send('00DCFF34030A0131')).toBe('6A86');
  });

  it('linear: the next record number appends a record, a gap is 6A83', () => {
    const { send, store } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    // EF06 has 4 records.
    expect(send('00DC063403 0E0101')).toBe('6A83');
    expect(send('00DC053403 0E0101')).toBe('9000');
    expect(send('00B2053403')).toBe('0E01019000');
    expect(send('00DC063403 0F0102')).toBe('9000');
    expect(send('00B20F3003')).toBe('0F01029000');
    expect(store.saved?.files['3F00/1001/EF06']).toMatchObject({ records: expect.arrayContaining([]) });
    expect(Object(store.saved?.files['3F00/1001/EF06']).records).toHaveLength(6);
  });

  it('linear: an identifier with no record adds one (modes 000–011); one that exists is replaced', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC0E3003 0E0101')).toBe('9000'); // first with tag 0E: none → record 5
    expect(send('00B2053403')).toBe('0E01019000');
    expect(send('00DC0E3103 0E0102')).toBe('9000'); // last with tag 0E: record 5
    expect(send('00B2053403')).toBe('0E01029000');
    expect(send('00B2063400')).toBe('6A83');
    expect(send('00DC0F3303 0F0103')).toBe('9000'); // previous with tag 0F: none → record 6
    expect(send('00B2063403')).toBe('0F01039000');
  });

  it('writing by identifier or the current record sets the record pointer; by number it does not', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC0A30030A0133')).toBe('9000'); // tag 0A = record 3 becomes current
    expect(send('00DC013414 0812313130313031313938303031303130303132')).toBe('9000'); // record 1 by number
    expect(send('00DC003403 0A0134')).toBe('9000'); // the current record: still record 3
    expect(send('00B2033403')).toBe('0A01349000');
    expect(send('00B2003206')).toBe('0D04198001019000'); // next after the current record 3
  });

  it('linear: exact record length in a fixed file; full → 6A84 (rule: PIN and key)', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC035404AABBCCDD')).toBe('6982');
    const original = challengeOf(send('0084000008'));
    const factor = challengeOf(send('0084000008'));
    expect(send(`0082000A10${specAuthData('3des', KEYS.extAuth3des0A, factor, original)}${original}`)).toBe('9000');
    expect(send('00DC035404AABBCCDD')).toBe('9000');
    expect(send('00B2035404')).toBe('AABBCCDD9000');
    expect(send('00DC045404AABBCCDD')).toBe('6A84');
    expect(send('00DC0B5004 0B000000')).toBe('6A84'); // a new identifier, but no room
    expect(send('00DC035403AABBCC')).toBe('6700');
    expect(card.context.currentEf?.records.length).toBe(3);
  });

  it('variable records: one TLV whose length fits Lc (6A85), at most recordSize (6700), not empty', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC0334030A0232')).toBe('6A85');
    expect(send('00DC0334040A013233')).toBe('6A85');
    expect(send(`00DC033441${'0A3F'}${'00'.repeat(63)}`)).toBe('6700');
    expect(send('00DC033400')).toBe('6700');
    expect(send('00B2033403')).toBe('0A01319000');
  });

  it('cyclic: mode 011 adds the new record as record 1 and drops the oldest when full', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00DC005B04000000FF')).toBe('6982');
    send('0020000003123456');
    expect(send('00DC005B04000000AA')).toBe('9000');
    expect(send('00DC005B04000000BB')).toBe('9000');
    expect(send('00B2015C04')).toBe('000000BB9000');
    expect(send('00B2025C04')).toBe('000000AA9000');
    expect(send('00B2035C04')).toBe('000000039000');
    expect(send('00B2045C00')).toBe('6A83');
    expect(send('00DC045C04000000CC')).toBe('6A83'); // a cyclic file does not grow by number
    expect(send('00DC075804000000CC')).toBe('6A83'); // nor by an identifier it does not hold
  });

  it('cyclic: the added record is current; by number or as the current record it is overwritten in place', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC005B04000000AA')).toBe('9000');
    expect(send('00DC005C04000000CC')).toBe('9000'); // current record = the new record 1
    expect(send('00DC025C04000000DD')).toBe('9000');
    expect(send('00B2015D0C')).toBe('000000CC000000DD000000029000');
  });

  it('with no current record, record 00 is 6A83; SFI 31 is 6A86; a transparent EF is 6981', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00DC005C04000000CC')).toBe('6A83');
    expect(send('00DC01FC0400000000')).toBe('6A86');
    expect(send('00DC01640400000000')).toBe('6981');
    expect(send('00E2005804000000AA')).toBe('6D00'); // no APPEND RECORD
  });
});
