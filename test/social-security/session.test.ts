import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileKeysPath } from '../../emulator/index.js';
import { ApduError, PinError } from '../../src/apdu/apdu-error.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { SocialSecuritySession, UnsupportedAlgorithmError } from '../../src/applications/social-security/social-security-session.js';
import { toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { InputError, SecurityError } from '../../src/errors.js';
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
    const { channel, atr, keys } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const card = await s.readCardData();
    expect(card.specVersion).toBe(want.spec);
    expect(card.regionCode).toBe(want.region);
    expect(card.cardIdentifier).toMatch(new RegExp(`^${want.region}D156000005[0-9A-F]{16}$`));
    expect(card.expiryDate.slice(0, 4)).toBe(String(Number(card.issueDate.slice(0, 4)) + 10));
    if (want.spec === '3.00') {
      // SC §10.2: EF06 of a 3.00 card is read after external authentication with RKSSSE.
      await expect(s.readCardholder()).rejects.toMatchObject({ sw: 0x6982 });
      await s.externalAuthenticate('RKSSSE', keys);
    }
    const holder = await s.readCardholder();
    expect(holder).toMatchObject({ name: want.name, ssn: want.ssn, sex: want.sex });
    expect(holder.birthDate).toBe(`${want.ssn.slice(6, 10)}-${want.ssn.slice(10, 12)}-${want.ssn.slice(12, 14)}`);
  });
  it('gives the 11-field iReadCardBas line after authenticating the card (card-spec §10.3)', async () => {
    const { channel, atr, keys } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    const fields = (await s.readCardBas({ keys, deviceNumber: 'KIOSK-01' })).split('|');
    expect(fields).toHaveLength(12);
    expect(fields[0]).toBe(want.region);
    expect(fields[1]).toBe(want.ssn);
    expect(fields[2]).toMatch(/^[A-Z][0-9A-Z]{7}[0-9X]$/);
    expect(fields[4]).toBe(want.name);
    expect(fields[5]).toBe(toHex(atr.subarray(4)));
    expect(fields[5]?.slice(14, 18)).toBe(want.region.slice(0, 4));
    expect(fields[6]).toBe(want.spec);
    expect(fields.slice(9)).toEqual(['000000000000', 'KIOSK-01', '']);
  });
  it('reads each record with its exact Le, as real terminals do: no 6Cxx round trip on the T=0 card', async () => {
    const answers: string[] = [];
    const { channel, atr, keys } = await openSampleCard(profile, { channel: { trace: (e) => answers.push(e.swHex) } });
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.readCardData();
    if (want.spec === '3.00') await s.externalAuthenticate('RKSSSE', keys);
    await s.readCardholder();
    expect(answers.filter((sw) => sw.startsWith('6C'))).toEqual([]);
  });
  it('takes the algorithm from the FCI (01 DES/3DES, 03 SM4)', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    expect(await s.algorithm()).toBe(want.spec === '3.00' ? 'sm4' : '3des');
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
  it('refuses keys of another algorithm before sending, and foreign keys by the card (63Cx)', async () => {
    const { channel, atr } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    const ss200 = await SoftwareKeyProvider.fromFile(profileKeysPath('ss-2.00'));
    await expect(s.unblockPin(ss200)).rejects.toBeInstanceOf(InputError);
    const foreign = new SoftwareKeyProvider(withMaster('default', 'PUK', '00112233445566778899AABBCCDDEEFF'));
    const e = await s.unblockPin(foreign).catch((x) => x);
    expect(e).toBeInstanceOf(ApduError);
    expect(e.sw).toBe(0x63c2);
  });
  it('authenticates a genuine card, and calls one that fails INTERNAL AUTHENTICATE not genuine', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.authenticateCard(keys);
    const otherIssuer = new SoftwareKeyProvider(withMaster('default', 'IRK', '00112233445566778899AABBCCDDEEFF'));
    await expect(s.authenticateCard(otherIssuer)).rejects.toBeInstanceOf(SecurityError);
  });
  it('checks PIN format (4 to 12 digits) before anything is sent', async () => {
    const { channel, atr } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    for (const bad of ['123', '1234567890123', '12a456', '']) await expect(s.verifyPin(bad)).rejects.toBeInstanceOf(InputError);
    expect(await s.pinTriesLeft()).toBe(6);
  });
  it('blocks the application for good: SELECT then answers 9303 (P5 §6.1)', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.readCardData();
    await s.blockApplication(keys);
    const refused = await SocialSecuritySession.open(channel, { atr }).catch((e) => e);
    expect(refused).toBeInstanceOf(ApduError);
    expect(refused.sw).toBe(0x9303);
  });
  it('blocks the card: every command then answers 6A81 (P5 §6.2)', async () => {
    const { channel, atr, keys } = await openSampleCard('ss-2.00');
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.blockCard(keys);
    await expect(SocialSecuritySession.open(channel, { atr })).rejects.toMatchObject({ sw: 0x6a81 });
  });
  it.each([false, true])('updates EF06 records by tag after UKSSSE (secure messaging: %s)', async (secureMessaging) => {
    const { channel, atr, keys } = await openSampleCard('ss-2.00');
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.updateRecords('cardholder', [{ tag: 0x0b, value: Uint8Array.of(0x02) }], keys, { secureMessaging });
    expect((await s.readCardholder()).ethnicity).toBe('02');
  });
});

/** A copy of a shipped key file with one key's master replaced (another issuer's key). */
function withMaster(profile: string, key: string, master: string) {
  const file = JSON.parse(readFileSync(profileKeysPath(profile), 'utf8'));
  file.keys[key].master = master;
  return file;
}

describe('the algorithm of a card without an FCI algorithm id (card-spec §2.2)', () => {
  async function sessionWithFci(fci: string, region: string) {
    const { EmulatorTransport } = await import('../../emulator/index.js');
    const { testCard } = await import('../emulator/card-helpers.js');
    const { card } = testCard({
      profile: (await import('../emulator/card-helpers.js')).testProfile((p) => {
        const ssse = p.mf.children!.find((c) => c.kind === 'df' && c.dfName !== undefined)! as {
          fci?: string;
          children: Array<{ fid?: string; records?: string[] }>;
        };
        ssse.fci = fci;
        const ef05 = ssse.children.find((c) => c.fid === 'EF05')!;
        ef05.records![0] = `0110${region}D15600000599110145FFFFFFFF`;
      }),
    });
    const transport = new EmulatorTransport(card);
    const atr = await transport.connect();
    return SocialSecuritySession.open(new CardChannel(transport), { atr });
  }
  const NAME = '840F7378312E73682EC9E7BBE1B1A3D5CF';
  it('defaults to DES, and to SSF33 for regions 11…, which is refused as unsupported', async () => {
    expect(await (await sessionWithFci(`6F11${NAME}`, '330300')).algorithm()).toBe('3des');
    const beijing = await sessionWithFci(`6F11${NAME}`, '110100');
    expect(await beijing.algorithm()).toBe('ssf33');
    await expect(beijing.authenticateCard(await SoftwareKeyProvider.fromFile(profileKeysPath('default')))).rejects.toBeInstanceOf(
      UnsupportedAlgorithmError,
    );
  });
  it('reads 86 01 02 (SSF33) from the FCI as unsupported', async () => {
    const s = await sessionWithFci(`6F19${NAME}A5069F0C03860102`, '330300');
    expect(await s.algorithm()).toBe('ssf33');
    await expect(s.security(await SoftwareKeyProvider.fromFile(profileKeysPath('default')))).rejects.toThrow(/SSF33.*not support/);
  });
});

describe('photo and fingerprint', () => {
  it.each(['default', 'ss-2.00'])(
    'reads the JPEG photo and the 0x300-byte fingerprint after external authentication with RKSSSE (%s)',
    async (profile) => {
      const { channel, atr, keys } = await openSampleCard(profile);
      const s = await SocialSecuritySession.open(channel, { atr });
      const photo = await s.readPhoto(keys);
      expect([photo[0], photo[1], photo[2]]).toEqual([0xff, 0xd8, 0xff]);
      expect([photo[photo.length - 2], photo[photo.length - 1]]).toEqual([0xff, 0xd9]);
      expect(photo.length).toBeGreaterThan(1000);
      expect((await s.readFingerprint(keys)).length).toBe(0x300);
    },
  );
  it('refuses the photo without authentication', async () => {
    const { channel, atr } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await expect(s.readTransparent(0xef08, 16)).rejects.toMatchObject({ sw: 0x6982 });
  });
});
