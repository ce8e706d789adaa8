import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileError } from '../../emulator/profile-error.js';
import { loadProfile, MAX_DF_DEPTH, parseProfile } from '../../emulator/profile-loader.js';
import { TEST_PROFILE_PATH, testProfile } from './card-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON paths.
type Json = any;

/** Applies a change to the test profile and returns the ProfileError message. */
function problem(change: (p: Json) => void): string {
  const p = structuredClone(testProfile()) as Json;
  change(p);
  try {
    parseProfile(p, 'card.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).code).toBe('EPROFILE');
    return (error as Error).message;
  }
  throw new Error('profile was accepted');
}

const ssse = (p: Json) => p.mf.children[1];

describe('profile loader', () => {
  it('loads the test profile', () => {
    const profile = loadProfile(TEST_PROFILE_PATH);
    expect(profile.name).toBe('test-minimal');
    expect(profile.mf.children?.length).toBe(4);
  });

  it('names the file and the path of the bad field', () => {
    expect(problem((p) => (ssse(p).children[0].records[1] = '02013'))).toBe(
      'card.json: mf.children[1].children[0].records[1]: must be hex (an even number of 0-9 A-F digits, no spaces)',
    );
    expect(problem((p) => (ssse(p).children[2].size = undefined))).toBe(
      'card.json: mf.children[1].children[2].size: is required for a transparent EF',
    );
    expect(problem((p) => (ssse(p).keys[0].value = '0011'))).toBe('card.json: mf.children[1].keys[0].value: must be 16 bytes, got 2');
    expect(problem((p) => (ssse(p).pins[0].value = '12a456'))).toBe('card.json: mf.children[1].pins[0].value: must be decimal digits');
    expect(problem((p) => (p.protocol = 'T=2'))).toBe('card.json: protocol: must be "T=0" or "T=1"');
  });

  it(`accepts DFs nested ${MAX_DF_DEPTH} deep and refuses deeper ones, and 5000 levels end in a ProfileError, not a stack overflow`, () => {
    /** A chain of `levels` DFs under the MF (DF 1 has FID 7001, DF 2 7002, …). */
    const nest = (levels: number) => (p: Json) => {
      let parent = p.mf;
      for (let i = 1; i <= levels; i++) {
        const df = { kind: 'df', fid: (0x7000 + i).toString(16).toUpperCase(), children: [] };
        parent.children.push(df);
        parent = df;
      }
    };
    const fits = structuredClone(testProfile()) as Json;
    nest(MAX_DF_DEPTH - 1)(fits);
    expect(() => parseProfile(fits, 'card.json')).not.toThrow();
    const path = `mf.children[4]${'.children[0]'.repeat(MAX_DF_DEPTH - 1)}`;
    expect(problem(nest(MAX_DF_DEPTH))).toBe(`card.json: ${path}: DFs nested deeper than 16 levels (the MF is level 1)`);
    expect(problem(nest(5000))).toMatch(/DFs nested deeper than 16 levels/);
  });

  it('rejects unknown fields (typos), wrong kinds and missing parts', () => {
    expect(problem((p) => (ssse(p).children[0].acess = {}))).toMatch(/mf\.children\[1\]\.children\[0\]\.acess: unknown field/);
    expect(problem((p) => (ssse(p).children[0].kind = 'file'))).toMatch(/children\[0\]\.kind: must be "df" or "ef"/);
    expect(problem((p) => delete p.mf)).toBe('card.json: mf: is required');
    expect(problem((p) => (p.format = 'v0'))).toMatch(/^card\.json: format: must be "sscard-card-profile\/1"/);
    expect(problem((p) => (ssse(p).children[0].type = 'linear'))).toMatch(/type: must be one of transparent, linear-fixed/);
  });

  it('checks consistency: FIDs, SFIs, DF names, record sizes, content size', () => {
    expect(problem((p) => (ssse(p).children[1].fid = 'EF05'))).toMatch(
      /children\[1\]\.fid: FID EF05 is already used by mf\.children\[1\]\.children\[0\]/,
    );
    expect(problem((p) => (ssse(p).children[1].sfi = 5))).toMatch(/children\[1\]\.sfi: SFI 5 is already used/);
    expect(problem((p) => (p.mf.children[3].dfName = 'A000000333010101'))).toMatch(
      /mf\.children\[3\]\.dfName: duplicates the dfName of mf\.children\[2\]/,
    );
    expect(problem((p) => (ssse(p).children[4].records[0] = '0A00'))).toMatch(/children\[4\]\.records\[0\]: must be 4 bytes, got 2/);
    expect(problem((p) => (ssse(p).children[6].content = '00'.repeat(17)))).toMatch(/content: is 17 bytes, larger than size 16/);
    expect(problem((p) => (ssse(p).children[4].records = ['0A000001', '0A000002', '0A000003', '0A000004']))).toMatch(
      /has 4 records, maxRecords is 3/,
    );
    expect(problem((p) => (p.mf.fid = '3F01'))).toBe('card.json: mf.fid: must be "3F00"');
  });

  it('checks that access rules name PINs and keys that exist in the DF or above', () => {
    expect(problem((p) => (ssse(p).children[2].access.read = { pin: '01' }))).toMatch(/access\.read\.pin: no PIN 01 in this DF or above/);
    expect(problem((p) => (ssse(p).children[2].access.read = { key: '04' }))).toMatch(/access\.read\.key: no external-auth key 04/);
    expect(problem((p) => (ssse(p).children[2].access.read = { mac: '0A' }))).toMatch(/access\.read\.mac: no secure-messaging key 0A/);
    expect(problem((p) => (ssse(p).children[2].access.read = 'pin'))).toMatch(/access\.read: must be "free", "never" or an object/);
    expect(problem((p) => (ssse(p).children[2].access.read = { anyOf: [] }))).toMatch(/anyOf: must list at least one condition/);
    expect(problem((p) => (p.mf.children[0].access = { read: { pin: '00' } }))).toMatch(/mf\.children\[0\]\.access\.read\.pin: no PIN 00/);
  });

  it('checks keys and contactless data', () => {
    expect(problem((p) => (ssse(p).keys[0].algorithm = 'aes'))).toMatch(/keys\[0\]\.algorithm: must be "des", "3des" or "sm4"/);
    expect(problem((p) => (ssse(p).keys[8].diversified.factors = ['ascii:330300']))).toMatch(
      /factors\[0\]: ascii factor must be 8 printable/,
    );
    expect(problem((p) => (ssse(p).keys[8].value = '00'.repeat(16)))).toMatch(/keys\[8\]: needs exactly one of value, diversified/);
    expect(problem((p) => ssse(p).keys.push({ ...ssse(p).keys[0] }))).toMatch(/keys\[9\]: duplicate key id 0A with usage external-auth/);
    expect(problem((p) => (p.contactless.uid = '0102'))).toBe('card.json: contactless.uid: must be 4, 7 or 10 bytes, got 2');
    expect(problem((p) => (p.contactless.ats = '0B78'))).toMatch(/contactless\.ats: TL \(first byte\) must equal the ATS length 2/);
  });

  it('reports unreadable files and bad JSON with the file name', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "format": ');
    expect(() => loadProfile(bad)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
    expect(() => loadProfile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read/);
  });
});
