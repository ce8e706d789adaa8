import { describe, expect, it } from 'vitest';
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

describe('READ RECORD (every form of card-facts §2)', () => {
  it('reads record rr of the current EF with P2=04', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('00A4020002EF05');
    expect(send('00B2030406')).toBe(`${EF05_REC3}9000`);
    expect(send('00B2030400')).toBe(`${EF05_REC3}9000`);
  });

  it('reads the first record whose tag is tt with P2=00', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    send('00A4020002EF05');
    expect(send('00B2030000')).toBe(`${EF05_REC3}9000`);
    expect(send('00B2070000')).toBe('070942374B333334373734' + '9000');
  });

  it('reads by record number with SFI (2C = SFI 5, 34 = SFI 6) without a SELECT', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032C00')).toBe(`${EF05_REC3}9000`);
    expect(send('00B2033400')).toBe('0A01319000');
  });

  it('reads by tag with SFI (28 = SFI 5, 30 = SFI 6)', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032800')).toBe(`${EF05_REC3}9000`);
    expect(send('00B20D3000')).toBe('0D04198001019000');
    expect(send('00B2083000')).toBe('0812313130313031313938303031303130303131' + '9000');
  });

  it('T=0: Le other than 00 or the exact length gets 6Cxx, then the exact Le works', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2032C10')).toBe('6C06');
    expect(send('00B2032C06')).toBe(`${EF05_REC3}9000`);
  });

  it('T=1: a shorter Le is 6Cxx, a longer Le returns the record', () => {
    const { send } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    expect(send('00B2032C02')).toBe('6C06');
    expect(send('00B2032C10')).toBe(`${EF05_REC3}9000`);
  });

  it('follows next/last/previous occurrence of a tag', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    // EF0B cyclic: records 00000003, 00000002 — both start with tag 00.
    expect(send('00B2005800')).toBe('000000039000');
    expect(send('00B2005A00')).toBe('000000029000');
    expect(send('00B2005A00')).toBe('6A83');
    expect(send('00B2005900')).toBe('000000029000');
    expect(send('00B2005B00')).toBe('000000039000');
    expect(send('00B2000400')).toBe('000000039000');
  });

  it('answers 6A83 for a missing record or tag, 6981 on a transparent EF, 6A86 for unsupported modes', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00B2092C00')).toBe('6A83');
    expect(send('00B2422800')).toBe('6A83');
    expect(send('00B2013C00')).toBe('6981');
    expect(send('00B2012D00')).toBe('6A86');
  });
});

describe('UPDATE RECORD / APPEND RECORD', () => {
  it('updates EF06 after VERIFY, by number and by tag; a record that does not exist is 6A83', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00DC0334030A0132')).toBe('6982');
    expect(send('0020000003123456')).toBe('9000');
    expect(send('00DC0334030A0132')).toBe('9000');
    expect(send('00B2033400')).toBe('0A01329000');
    expect(send('00DC0A30030A0131')).toBe('9000');
    expect(send('00B20A3000')).toBe('0A01319000');
    expect(send('00DC0934030A0131')).toBe('6A83');
    expect(send('00DC0332030A0131')).toBe('6A86');
  });

  it('linear fixed: exact record length, append up to maxRecords, then 6A84 (rule: PIN and key)', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    send('0020000003123456');
    expect(send('00E2005004AABBCCDD')).toBe('6982');
    const original = challengeOf(send('0084000008'));
    const factor = challengeOf(send('0084000008'));
    expect(send(`0082000A10${specAuthData('3des', KEYS.extAuth3des0A, factor, original)}${original}`)).toBe('9000');
    expect(send('00E2005004AABBCCDD')).toBe('9000');
    expect(send('00B2035400')).toBe('AABBCCDD9000');
    expect(send('00E2005004AABBCCDD')).toBe('6A84');
    expect(send('00E2005003AABBCC')).toBe('6700');
    expect(card.context.currentEf?.records.length).toBe(3);
  });

  it('cyclic: APPEND puts the new record first and drops the oldest when full', () => {
    const { send } = testCard();
    send(SELECT_SSSE);
    expect(send('00E2005804000000FF')).toBe('6982');
    send('0020000003123456');
    expect(send('00E2005804000000AA')).toBe('9000');
    expect(send('00E2005804000000BB')).toBe('9000');
    expect(send('00B2015C00')).toBe('000000BB9000');
    expect(send('00B2025C00')).toBe('000000AA9000');
    expect(send('00B2035C00')).toBe('000000039000');
    expect(send('00B2045C00')).toBe('6A83');
    expect(send('00DC015C04000000CC')).toBe('6982');
    expect(send('00E2015804000000AA')).toBe('6A86');
  });
});
