import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STANDARD_APPLICATIONS } from '../../emulator/applications/standard-applications.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { cardKey, SAMPLE_CARD_100, SAMPLE_CARDS, type SampleCard } from '../medical/medical-reference.js';
import { externalAuthenticate, SELECT_SSSE, testCard } from './card-helpers.js';

/**
 * card-spec §2.5: every EF of DF01–DF07 with its read rule, written out here from the
 * specification (not from the profile): "PIN|RK" either, "PIN&RK" both, "RK" the key only.
 */
type Rule = 'free' | `PIN|${string}` | `PIN&${string}` | `RK:${string}` | 'PIN';
const V2_RULES: [df: string, aid: string | undefined, ef: string, rule: Rule][] = [
  ...(['EF05', 'EF06', 'EF07', 'EF08', 'EF09', 'EF0A', 'EF15'] as const).map(
    (ef) => ['DF01', 'D15600000500', ef, 'PIN|RK1DF01'] as [string, string, string, Rule],
  ),
  ...(['EF16', 'EF17', 'EF18', 'EF19', 'EF1A'] as const).map(
    (ef) => ['DF01', 'D15600000500', ef, 'free'] as [string, string, string, Rule],
  ),
  ...(['EF05', 'EF06', 'EF07', 'EF09', 'EF15', 'EF16'] as const).map(
    (ef) => ['DF02', 'D15600000501', ef, 'PIN|RK1DF02'] as [string, string, string, Rule],
  ),
  ['DF03', 'D15600000502', 'EF05', 'PIN|RK2DF03'],
  ...(['EF06', 'EF07', 'EF15', 'EF16', 'EF17', 'EF18', 'EF19'] as const).map(
    (ef) => ['DF03', 'D15600000502', ef, 'PIN|RK1DF03'] as [string, string, string, Rule],
  ),
  ['DF04', 'D15600000503', 'EF05', 'PIN|RK1DF04'],
  ['DF04', 'D15600000503', 'EF06', 'PIN&RK1DF04'],
  ['DF04', 'D15600000503', 'EF08', 'PIN'],
  ['DF04', 'D15600000503', 'EF15', 'PIN|RK1DF04'],
  ['DF05', undefined, 'EF05', 'free'],
  ['DF06', undefined, 'EF05', 'RK:RK1DF06'],
  ['DF06', undefined, 'EF06', 'RK:RK1DF06'],
  ['DF07', 'D15600000504', 'EF05', 'RK:RK1DF07'],
  ['DF07', 'D15600000504', 'EF06', 'RK:RK2DF07'],
  ['DF07', 'D15600000504', 'EF07', 'RK:RK3DF07'],
];

/** P6 T4–T8: the 1.00 card's differences (and no DF07). */
const V1_RULES = V2_RULES.filter(([df]) => df !== 'DF07').map(([df, aid, ef, rule]): [string, string | undefined, string, Rule] => {
  if (df === 'DF01' && ['EF05', 'EF08', 'EF0A'].includes(ef)) return [df, aid, ef, 'PIN'];
  if (df === 'DF01' && ['EF07', 'EF09'].includes(ef)) return [df, aid, ef, 'PIN|UK2DF01'];
  if (df === 'DF03' && ef === 'EF05') return [df, aid, ef, 'PIN&RK2DF03'];
  if (df === 'DF03' && ef === 'EF07') return [df, aid, ef, 'PIN&RK1DF03'];
  return [df, aid, ef, rule];
});

function keyId(sample: SampleCard, name: string): string {
  const path = fileURLToPath(new URL(`../../emulator/profiles/${sample.profile}.keys.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')).keys[name] as { id: string }).id;
}

/** Logs that start empty: a read that passes the access check answers 6A83 (no record). */
const EMPTY = new Set(['DF04/EF08', 'DF04/EF15']);
const TRANSPARENT = new Set(['DF01/EF16', 'DF01/EF17', 'DF01/EF18', 'DF01/EF19', 'DF01/EF1A']);

function card(sample: SampleCard) {
  const profile = loadProfile(fileURLToPath(new URL(`../../emulator/profiles/${sample.profile}.json`, import.meta.url)));
  const t = testCard({ profile, protocol: 'T=1', applications: STANDARD_APPLICATIONS });
  const enter = (df: string, aid: string | undefined) => {
    expect(t.sw(SELECT_SSSE)).toBe('9000');
    // by AID where the DF has one (card-spec §2.1), else by FID
    expect(t.sw(aid ? `00A4040006${aid}` : `00A4000002${df}`)).toMatch(/^(9000|61..)$/);
  };
  const read = (df: string, ef: string) => {
    const sfi = Number.parseInt(ef.slice(2), 16);
    const sw = TRANSPARENT.has(`${df}/${ef}`)
      ? t.sw(`00B0${(0x80 | sfi).toString(16).toUpperCase()}0010`)
      : t.sw(`00B201${((sfi << 3) | 4).toString(16).toUpperCase().padStart(2, '0')}00`);
    return EMPTY.has(`${df}/${ef}`) && sw === '6A83' ? '9000' : sw;
  };
  const pinBlock = sample.pin.length === 6 ? `0020000003${sample.pin}` : '';
  const authenticate = (name: string) =>
    expect(externalAuthenticate(t.send, keyId(sample, name), sample.cipher, cardKey(sample, name).toString('hex'))).toBe('9000');
  return { ...t, enter, read, verify: () => expect(t.sw(pinBlock)).toBe('9000'), authenticate };
}

const cases = [...SAMPLE_CARDS.map((sample) => ({ sample, rules: V2_RULES })), { sample: SAMPLE_CARD_100, rules: V1_RULES }];

describe.each(cases)('DF01–DF07 on $sample.profile: every file of card-spec §2.5 under its read rule', ({ sample, rules }) => {
  it.each(rules)('%s %s %s: %s', (df, aid, ef, rule) => {
    const c = card(sample);
    const fresh = () => c.enter(df, aid);
    fresh();
    if (rule === 'free') {
      expect(c.read(df, ef)).toBe('9000');
      return;
    }
    expect(c.read(df, ef)).toBe('6982');
    if (rule === 'PIN') {
      c.verify();
      expect(c.read(df, ef)).toBe('9000');
      return;
    }
    if (rule.startsWith('RK:')) {
      c.verify();
      expect(c.read(df, ef)).toBe('6982');
      c.authenticate(rule.slice(3));
      expect(c.read(df, ef)).toBe('9000');
      return;
    }
    const [, key] = rule.split(/[|&]/) as [string, string];
    if (rule.includes('|')) {
      c.verify();
      expect(c.read(df, ef)).toBe('9000');
      fresh();
      c.authenticate(key);
      expect(c.read(df, ef)).toBe('9000');
      return;
    }
    c.verify();
    expect(c.read(df, ef)).toBe('6982');
    fresh();
    c.authenticate(key);
    expect(c.read(df, ef)).toBe('6982');
    c.verify();
    expect(c.read(df, ef)).toBe('9000');
  });
});

describe('DF01–DF07 AIDs and contents', () => {
  it('the 1.00 card has no DF07 (a V2 addition)', () => {
    const c = card(SAMPLE_CARD_100);
    c.send(SELECT_SSSE);
    expect(c.sw('00A4040006D15600000504')).toBe('6A82');
  });
  it('DF01 EF15 holds the education item and two degree templates (40, B-TLV of 0x34 bytes)', () => {
    const c = card(SAMPLE_CARDS[0]!);
    c.enter('DF01', 'D15600000500');
    c.verify();
    expect(c.send('00B22AA800').slice(0, 6)).toBe('2A0121'); // tag 2A: education, cn 1
    const degree = c.send('00B240A800'); // first record with identifier 40
    expect(degree.slice(0, 4)).toBe('4034');
    expect(degree.slice(4, 14)).toBe('5703343030'); // 57 an 3 "400"
  });
});
