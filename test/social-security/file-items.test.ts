import { describe, expect, it } from 'vitest';
import { ApduError } from '../../src/apdu/apdu-error.js';
import { parseFileAddress } from '../../src/applications/social-security/file-address.js';
import { formatFileItems } from '../../src/applications/social-security/file-items.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { encodeAn } from '../../src/bytes/gbk.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { InputError } from '../../src/errors.js';
import { openSampleCard } from '../support/emulated-card.js';

const ADDRESS = 'SSSEEF05|01|07|$DF01EF15|2A|40:2|$';

async function session(profile = 'default') {
  const c = await openSampleCard(profile);
  return { ...c, s: await SocialSecuritySession.open(c.channel, { atr: c.atr }) };
}

describe('file addresses (card-spec §10.3)', () => {
  it('parses files, tags, n-th occurrences and tagless records', () => {
    expect(parseFileAddress(ADDRESS)).toEqual([
      {
        application: 'SSSE',
        ef: 0xef05,
        items: [
          { tag: 0x01, occurrence: 1 },
          { tag: 0x07, occurrence: 1 },
        ],
      },
      {
        application: 'DF01',
        ef: 0xef15,
        items: [
          { tag: 0x2a, occurrence: 1 },
          { tag: 0x40, occurrence: 2 },
        ],
      },
    ]);
    expect(parseFileAddress('DF02EF07|:2|$')).toEqual([{ application: 'DF02', ef: 0xef07, items: [{ tag: undefined, occurrence: 2 }] }]);
    expect(parseFileAddress('DF01EF16|$')[0]!.items).toEqual([]);
  });
  it.each(['SSSEEF05|01|', 'DF09EF05|01|$', 'DF01EF15|2A$', 'DF01EF15|ZZ|$', 'DF01EF15|40:0|$', ''])(
    'refuses "%s" with an InputError',
    (text) => {
      expect(() => parseFileAddress(text)).toThrow(InputError);
    },
  );
});

describe('readItems / writeItems', () => {
  it('reads the grammar example: card identifier and number, education and the second degree (B-TLV 40:2)', async () => {
    const { s } = await session();
    const files = await s.readItems(ADDRESS, { pin: '123456' });
    const card = await s.readCardData();
    expect(files.map((f) => f.file)).toEqual(['SSSEEF05', 'DF01EF15']);
    expect(toHex(files[0]!.items[0]!.value)).toBe(card.cardIdentifier);
    expect(files[0]!.items[1]!.value).toEqual(encodeAn(card.cardNumber, 9));
    expect(files[1]!.items[0]).toMatchObject({ address: '2A', value: fromHex('21') });
    const degree = files[1]!.items[1]!;
    expect(degree.address).toBe('40:2');
    expect(toHex(degree.value.subarray(0, 5))).toBe('5703333030'); // 57 an 3 "300": the second degree
    expect(formatFileItems(files)).toBe(
      `SSSEEF05|${card.cardIdentifier}|${toHex(encodeAn(card.cardNumber, 9))}|$DF01EF15|21|${toHex(degree.value)}|$`,
    );
  });

  it('"PIN or RK" files open with the PIN or with RK1DFxx; "PIN & RK" files need both', async () => {
    const { s, keys } = await session();
    await expect(s.readItems('DF01EF06|28|$')).rejects.toThrow(/needs the PIN or RK1DF01/);
    const byKey = await s.readItems('DF01EF06|28|$', { keys });
    const byPin = await s.readItems('DF01EF06|28|$', { pin: '123456' });
    expect(byKey).toEqual(byPin);
    await expect(s.readItems('DF04EF06|90|$', { pin: '123456' })).rejects.toThrow(/needs RK1DF04/);
    const settlement = await s.readItems('DF04EF06|90|92|93|$', { pin: '123456', keys });
    expect(settlement[0]!.items.map((i) => i.address)).toEqual(['90', '92', '93']);
    const honours = await s.readItems('DF07EF05|F0|$', { keys });
    expect(honours[0]!.items[0]!.value).toEqual(encodeAn('01', 2));
  });

  it('reads a whole file: every record, a cyclic file by :n, a transparent file', async () => {
    const { s } = await session();
    const all = await s.readItems('DF01EF05|$', { pin: '123456' });
    expect(all[0]!.items.map((i) => i.address)).toEqual(['20', '21', '0E']);
    const history = await s.readItems('DF02EF07|:1|$', { pin: '123456' });
    expect(history[0]!.items[0]!.value).toHaveLength(0x55);
    const reserved = await s.readItems('DF01EF16|$');
    expect(reserved[0]!.items[0]!.value).toHaveLength(0x128);
    const missing = await s.readItems('DF01EF15|40:9|$', { pin: '123456' }).catch((e) => e);
    expect(missing).toBeInstanceOf(ApduError);
    expect(missing.sw).toBe(0x6a83);
  });

  it('writes items with the file UK key and reads them back', async () => {
    const { s, keys } = await session();
    const phone = encodeAn('0571-12345678', 0x0f);
    await s.writeItems('DF01EF06|28|$', [phone], { keys });
    expect((await s.readItems('DF01EF06|28|$', { pin: '123456' }))[0]!.items[0]!.value).toEqual(phone);
    const degree = (await s.readItems('DF01EF15|40:2|$', { pin: '123456' }))[0]!.items[0]!.value.slice();
    degree.set(encodeAn('200', 3), 2);
    await s.writeItems('DF01EF15|40:2|$', [degree], { keys, pin: '123456' });
    const after = await s.readItems('DF01EF15|40|40:2|$', { pin: '123456' });
    expect(toHex(after[0]!.items[0]!.value.subarray(0, 5))).toBe('5703343030');
    expect(after[0]!.items[1]!.value).toEqual(degree);
    await s.writeItems('DF02EF16|$', [fromHex(`${'30'.repeat(3)}${'20260101'}${'20260101'}${'20261231'}330300`)], { keys });
    expect((await s.readItems('DF02EF16|:1|$', { pin: '123456' }))[0]!.items[0]!.value.subarray(0, 3)).toEqual(encodeAn('000', 3));
  });

  it('refuses the medical log (COS only), a wrong number of values, and writes without keys', async () => {
    const { s, keys } = await session();
    await expect(s.writeItems('DF04EF08|$', [fromHex('00')], { keys })).rejects.toThrow(/card's own commands only/);
    await expect(s.writeItems('DF01EF06|28|24|$', [fromHex('00')], { keys })).rejects.toThrow(/takes 2 value/);
    await expect(s.writeItems('DF01EF06|28|$', [fromHex('00')], {})).rejects.toThrow(/UK keys/);
  });
});
