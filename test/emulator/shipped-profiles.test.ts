import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath, shippedProfileNames } from '../../emulator/index.js';
import { renderProfiles } from '../../scripts/profiles/build-profiles.js';

describe('shipped card profiles', () => {
  it('are exactly what scripts/profiles builds (run `npm run profiles` after changing a part)', () => {
    for (const [path, text] of renderProfiles()) expect(readFileSync(path, 'utf8'), `${path} is stale`).toBe(text);
  });
  it('all load through the validating loader', () => {
    const names = shippedProfileNames();
    expect(names).toEqual(expect.arrayContaining(['default', 'ss-2.00', 'ss-1.00', 'test-minimal']));
    for (const name of names) expect(loadProfile(resolveProfilePath(name)).name).toBe(name);
  });
});

describe('sample card data valid by V2 and P2 (card-spec §1.1, §3.2, §3.4)', () => {
  /** V2 annex A: weights 3 7 9 10 5 8 4 2, letters A=10…; C9 = 11 − S mod 11 (10 → X, 11 → 0). */
  const checkCharacter = (body: string) => {
    const weights = [3, 7, 9, 10, 5, 8, 4, 2];
    const sum = [...body].reduce((s, c, i) => s + (/[A-Z]/.test(c) ? c.charCodeAt(0) - 55 : Number(c)) * weights[i]!, 0);
    const c = 11 - (sum % 11);
    return c === 10 ? 'X' : c === 11 ? '0' : String(c);
  };
  const tlv = (records: string[], tag: string) => {
    const r = records.find((x) => x.startsWith(tag))!;
    return r.slice(4);
  };
  const ascii = (hex: string) => Buffer.from(hex, 'hex').toString('latin1').replace(/\0+$/, '');

  it('checks the published example of the check character', () => {
    expect(checkCharacter('D2143569')).toBe('X');
  });

  it.each(['default', 'ss-2.00', 'ss-1.00'])(
    '%s: card number check character, tag 04 layout, card type by age, ATR/ATS historical bytes',
    (name) => {
      const profile = loadProfile(resolveProfilePath(name));
      const ssse = profile.mf.children!.find((c) => c.kind === 'df' && c.dfName === '7378312E73682EC9E7BBE1B1A3D5CF')!;
      const ef = (fid: string) =>
        (ssse as { children: Array<{ fid?: string; records?: string[] }> }).children.find((c) => c.fid === fid)!.records!;
      const ef05 = ef('EF05');
      const number = ascii(tlv(ef05, '07'));
      expect(number.slice(8)).toBe(checkCharacter(number.slice(0, 8)));
      const region = tlv(ef05, '01').slice(0, 6);
      expect(tlv(ef05, '04')).toBe(`9156000002${region}${region}${tlv(ef05, '04').slice(22)}`);
      const birthYear = Number(tlv(ef('EF06'), '0D').slice(0, 4));
      const age = Number(tlv(ef05, '05').slice(0, 4)) - birthYear;
      expect(ascii(tlv(ef05, '02'))).toBe(age >= 70 ? '4' : age >= 16 ? '3' : age >= 6 ? '2' : '1');
      // P2 T16: 3B 6D 00 00 + 13 historical bytes, T8–T9 = the first 4 region digits.
      expect(profile.atr).toMatch(/^3B6D0000[0-9A-F]{26}$/);
      const historical = profile.atr.slice(8);
      expect(historical.slice(14, 18)).toBe(region.slice(0, 4));
      if (profile.contactless?.ats) expect(profile.contactless.ats.slice(-26)).toBe(historical);
    },
  );
});
