import { describe, expect, it } from 'vitest';
import { ApduError, PinError } from '../../src/apdu/apdu-error.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { InputError } from '../../src/errors.js';
import { openSampleCard } from '../support/emulated-card.js';
import { expectPinLifeCycle } from '../support/pin-lifecycle.js';

const EXPECTED = {
  default: { spec: '3.00', name: '张晓明', ssn: '330302199001011235', pin: '123456', region: '330300', sex: 'male' },
  'ss-2.00': {
    spec: '2.00',
    name: '买买提·艾合买提·阿卜杜热合曼·吐尔逊',
    ssn: '650102197506120036',
    pin: '888888',
    region: '650100',
    sex: 'male',
  },
  'ss-1.00': { spec: '1.00', name: '王𠮷', ssn: '110108198812030626', pin: '123456', region: '110100', sex: 'female' },
} as const;

describe.each(Object.entries(EXPECTED))('SocialSecuritySession on the %s card', (profile, want) => {
  it('reads card data and cardholder by tag, whatever the spec version', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const card = await s.readCardData();
    expect(card.specVersion).toBe(want.spec);
    expect(card.regionCode).toBe(want.region);
    expect(card.cardIdentifier).toMatch(new RegExp(`^${want.region}D156000005[0-9A-F]{16}$`));
    expect(card.expiryDate.slice(0, 4)).toBe(String(Number(card.issueDate.slice(0, 4)) + 10));
    const holder = await s.readCardholder();
    expect(holder).toMatchObject({ name: want.name, ssn: want.ssn, sex: want.sex });
    expect(holder.birthDate).toBe(`${want.ssn.slice(6, 10)}-${want.ssn.slice(10, 12)}-${want.ssn.slice(12, 14)}`);
  });
  it('gives the iReadCardBas line', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const fields = (await s.readCardBas(atr.subarray(4))).split('|');
    expect(fields).toHaveLength(10);
    expect(fields[0]).toBe(want.region);
    expect(fields[1]).toBe(want.ssn);
    expect(fields[4]).toBe(want.name);
    expect(fields[6]).toBe(want.spec);
    expect(fields[9]).toBe('');
  });
  it('verifies the PIN and reports tries left on a wrong one', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const wrong = want.pin === '123456' ? '654321' : '123456';
    const err = await s.verifyPin(wrong).catch((e) => e);
    expect(err).toBeInstanceOf(PinError);
    expect(err.triesLeft).toBe(5);
    expect(await s.pinTriesLeft()).toBe(5);
    await s.verifyPin(want.pin);
  });
});

describe('PIN life cycle and issuer operations (default card)', () => {
  it('6 wrong → blocked, correct still refused, unblock → works, change → old refused, reload → new PIN', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await expectPinLifeCycle(s, keys, '123456', '246810');
    await s.reloadPin('135790', keys);
    await s.verifyPin('135790');
  });
  it('refuses issuer commands under the wrong keys', async () => {
    const { channel, atr } = await openSampleCard('default');
    const other = await SoftwareKeyProvider.fromFile(new URL('../../emulator/profiles/ss-2.00.keys.json', import.meta.url).pathname);
    const s = await SocialSecuritySession.open(channel, { atr });
    const e = await s.unblockPin(other).catch((x) => x);
    expect(e).toBeInstanceOf(ApduError);
    expect(e.sw).toBe(0x6988);
  });
  it('checks PIN format before anything is sent', async () => {
    const { channel, atr } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    for (const bad of ['12345', '1234567', '12a456', '']) await expect(s.verifyPin(bad)).rejects.toBeInstanceOf(InputError);
    expect(await s.pinTriesLeft()).toBe(6);
  });
  it('blocks the application on a loss report and unblocks it', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.readCardData();
    await s.blockApplication(keys);
    const refused = await SocialSecuritySession.open(channel, { atr }).catch((e) => e);
    expect(refused).toBeInstanceOf(ApduError);
    expect(refused.sw).toBe(0x6283);
    const issuer = await SocialSecuritySession.open(channel, { atr, allowBlocked: true, regionCode: '330300' });
    expect(issuer.blocked).toBe(true);
    await expect(issuer.readCardData()).rejects.toMatchObject({ sw: 0x6a81 });
    await issuer.unblockApplication(keys);
    const again = await SocialSecuritySession.open(channel, { atr });
    expect((await again.readCardData()).cardNumber).toBe('C33012345');
  });
});

describe('photo and fingerprint', () => {
  it.each(['default', 'ss-2.00'])('reads the JPEG photo after external authentication with key 0A (%s)', async (profile) => {
    const { channel, atr, keys } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const photo = await s.readPhoto(keys);
    expect([photo[0], photo[1], photo[2]]).toEqual([0xff, 0xd8, 0xff]);
    expect([photo[photo.length - 2], photo[photo.length - 1]]).toEqual([0xff, 0xd9]);
    expect(photo.length).toBeGreaterThan(1000);
    expect((await s.readFingerprint(keys)).length).toBe(0x400);
  });
  it('refuses the photo without authentication', async () => {
    const { channel, atr } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await expect(s.readTransparent(0xef08, 16)).rejects.toMatchObject({ sw: 0x6982 });
  });
});
