import { describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { parseHex, toHex } from '../../src/bytes/hex.js';

/**
 * The exact APDU sequences real terminal programs send (card-facts §2), replayed byte for byte
 * against each sample card, with the answers a real T=0 card gives.
 */
async function rawCard(profile: string) {
  const t = new EmulatorTransport(openCard({ profile }));
  const atr = await t.connect();
  const send = async (hex: string) => toHex(await t.transmit(parseHex(hex)));
  return { atr, send };
}

const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF';
const PROFILES = [
  { profile: 'default', identifier: '330300D15600000599110145A1B2C3D4', nameRecord: 2, sexRecord: 4 },
  { profile: 'ss-2.00', identifier: '650100D156000005650100000263500A', nameRecord: 2, sexRecord: 4 },
  { profile: 'ss-1.00', identifier: '110100D156000005110100000001020B', nameRecord: 2, sexRecord: 3 },
];

describe.each(PROFILES)('terminal APDU sequences on $profile', ({ profile, identifier, sexRecord }) => {
  it('answers with a T=0 contact ATR 3B 6D 00 00 + 13 historical bytes', async () => {
    const { atr } = await rawCard(profile);
    expect(toHex(atr).slice(0, 8)).toBe('3B6D0000');
    expect(atr.length).toBe(4 + 13);
  });

  it('SELECT SSSE by DF name: 61xx then GET RESPONSE gives the FCI, or 9000 without Le handling', async () => {
    const { send } = await rawCard(profile);
    const r = await send(SELECT_SSSE);
    expect(r).toMatch(/^61[0-9A-F]{2}$/);
    const fci = await send(`00C00000${r.slice(2)}`);
    expect(fci.endsWith('9000')).toBe(true);
    expect(fci).toContain('7378312E73682EC9E7BBE1B1A3D5CF');
  });

  it('selects EFs by FID with P1=00 and P1=02', async () => {
    const { send } = await rawCard(profile);
    await send(SELECT_SSSE);
    expect((await send('00A4000002EF05')).slice(-4)).toMatch(/^(9000|61..)$/);
    expect((await send('00A4020002EF06')).slice(-4)).toMatch(/^(9000|61..)$/);
  });

  it('answers all four READ RECORD forms with `tag len value 9000` for the exact Le, Le 00 with 6Cxx', async () => {
    const { send } = await rawCard(profile);
    await send(SELECT_SSSE);
    await send('00A4000002EF05');
    expect(await send('00B2010412')).toBe(`0110${identifier}9000`); // record 1 of current EF, exact Le
    expect(await send('00B2010400')).toBe('6C12'); // Le 00 on T=0: the real length (P5 §6.10.4)
    expect(await send('00B2010012')).toBe(`0110${identifier}9000`); // first record with tag 01
    expect(await send('00B2012C12')).toBe(`0110${identifier}9000`); // record 1 of SFI 5
    expect(await send('00B2012812')).toBe(`0110${identifier}9000`); // tag 01 in SFI 5
    // EF06 of a 3.00 card is protected by RKSSSE (SC §10.2); 1.00/2.00 cards read it freely.
    const ef06 = profile === 'default' ? /^6982$/ : /^0A01(31|32)9000$/;
    expect(await send(`00B20${sexRecord}3403`)).toMatch(ef06); // sex record of SFI 6
    expect(await send('00B20A3003')).toMatch(ef06); // tag 0A in SFI 6, any spec
  });

  it('reads by SFI without any SELECT of the EF', async () => {
    const { send } = await rawCard(profile);
    await send(SELECT_SSSE);
    expect(await send('00B2032C06')).toMatch(/^0304(312E3030|322E3030|332E3030)9000$/);
  });

  it('answers a wrong Le with 6Cxx, then the right Le with the record', async () => {
    const { send } = await rawCard(profile);
    await send(SELECT_SSSE);
    expect(await send('00B2012C05')).toBe('6C12');
    expect(await send('00B2012C12')).toBe(`0110${identifier}9000`);
  });

  it('answers a record that does not exist with 6A83 and an unknown EF with 6A82', async () => {
    const { send } = await rawCard(profile);
    await send(SELECT_SSSE);
    expect(await send('00B2092C00')).toBe('6A83');
    expect(await send('00A4020002EF99')).toBe('6A82');
  });

  it('answers only known applications on SELECT', async () => {
    const { send } = await rawCard(profile);
    expect(await send('00A4040005A000000999')).toBe('6A82');
  });
});
