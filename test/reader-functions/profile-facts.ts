// What the reader functions should answer, read straight from the profile JSON (a second route:
// no SDK decoding of the card's answers), for the expected output lines of the tests.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveProfilePath } from '../../emulator/index.js';

interface ProfileNode {
  kind: string;
  dataObjects?: Record<string, string>;
  fid?: string;
  dfName?: string;
  records?: string[];
  content?: string;
  children?: ProfileNode[];
}

function profileJson(name: string): { atr: string; contactless?: { ats: string }; mf: ProfileNode } {
  return JSON.parse(readFileSync(resolveProfilePath(name), 'utf8'));
}

function findEf(node: ProfileNode, path: string[]): ProfileNode {
  const [head, ...rest] = path;
  const child = node.children?.find((c) => c.fid === head || c.dfName === head);
  if (child === undefined) throw new Error(`no ${head} in the profile`);
  return rest.length === 0 ? child : findEf(child, rest);
}

const SSSE = '7378312E73682EC9E7BBE1B1A3D5CF';
const hexBytes = (hex: string) => Buffer.from(hex, 'hex');
const gbk = (bytes: Uint8Array) => new TextDecoder('gbk').decode(bytes).replace(/\0+$/, '').trim();

/** The value (without tag and length) of the first record with `tag` in an SSSE EF of the profile. */
export function ssseRecord(profile: string, ef: string, tag: number): Buffer {
  const records = findEf(profileJson(profile).mf, [SSSE, ef]).records ?? [];
  const record = records.map(hexBytes).find((r) => r[0] === tag);
  if (record === undefined) throw new Error(`no tag ${tag} in ${ef}`);
  return record.subarray(2, 2 + record[1]!);
}

/** A transparent EF's content, by its path of fids under the MF. */
export function efContent(profile: string, path: string[]): string {
  return findEf(profileJson(profile).mf, path).content ?? '';
}

/** The contact ATR's historical bytes: after the interface bytes (each TDi says which follow); T0's low nibble counts them. */
export function contactHistoricalBytes(profile: string): string {
  const atr = hexBytes(profileJson(profile).atr);
  let at = 1;
  let present = atr[1]! >> 4;
  while (present !== 0) {
    const count = [1, 2, 4, 8].filter((bit) => present & bit).length;
    at += count;
    present = present & 8 ? atr[at]! >> 4 : 0;
  }
  return atr
    .subarray(at + 1, at + 1 + (atr[1]! & 0x0f))
    .toString('hex')
    .toUpperCase();
}

/** The iReadCardBas fields of a profile, from its EF05/EF06 records (card-spec §10.3). */
export function cardBasFields(profile: string) {
  const bcd = (b: Buffer) => b.toString('hex');
  const identifier = ssseRecord(profile, 'EF05', 0x01);
  const name = gbk(ssseRecord(profile, 'EF06', 0x09)) + gbk(ssseRecord(profile, 'EF06', 0x4e));
  return {
    region: bcd(identifier.subarray(0, 3)),
    ssn: ssseRecord(profile, 'EF06', 0x08).toString('latin1'),
    cardNumber: ssseRecord(profile, 'EF05', 0x07).toString('latin1').slice(0, 9),
    identifier: identifier.toString('hex').toUpperCase(),
    name,
    historical: contactHistoricalBytes(profile),
    spec: ssseRecord(profile, 'EF05', 0x03).toString('latin1'),
    issued: bcd(ssseRecord(profile, 'EF05', 0x05)),
    expires: bcd(ssseRecord(profile, 'EF05', 0x06)),
  };
}

/** The PSAM's terminal number (EF 0016). */
export function psamTerminalNumber(psamProfile = 'psam-default'): string {
  return efContent(psamProfile, ['0016']);
}

/** The iReadCardBas line of the default card with the PSAM terminal number. */
export function expectedCardBas(profile = 'default', terminal = psamTerminalNumber(), device = ''): string {
  const f = cardBasFields(profile);
  return `${[f.region, f.ssn, f.cardNumber, f.identifier, f.name, f.historical, f.spec, f.issued, f.expires, terminal, device].join('|')}|`;
}

/** `identifier|card number|` of a profile's card: the pCardInfo that names it. */
export function cardInfo(profile = 'default'): string {
  const f = cardBasFields(profile);
  return `${f.identifier}|${ssseRecord(profile, 'EF05', 0x07).toString('latin1')}|`;
}

/** The value of the first record with `tag` in DF04's EF `ef` of the profile. */
export function medicalRecord(profile: string, ef: string, tag: number): Buffer {
  const records = findEf(profileJson(profile).mf, [SSSE, 'DF04', ef]).records ?? [];
  const record = records.map(hexBytes).find((r) => r[0] === tag);
  if (record === undefined) throw new Error(`no tag ${tag} in DF04 ${ef}`);
  return record.subarray(2, 2 + record[1]!);
}

/** A data object of DF04 (DF41: the account balance in fen, hex). */
export function medicalDataObject(profile: string, tag: string): string {
  const value = findEf(profileJson(profile).mf, [SSSE, 'DF04']).dataObjects?.[tag];
  if (value === undefined) throw new Error(`no data object ${tag} in DF04`);
  return value;
}

/** A copy of psam-default without RKSSSE (its key record 670A… in DF01 EF 0011), as a temporary profile file. */
export function psamProfileWithoutRkssse(): string {
  const psam = profileJson('psam-default') as unknown as { mf: { children: ProfileNode[] } };
  const keys = findEf(psam.mf as ProfileNode, ['DF01', '0011']);
  keys.records = (keys.records ?? []).filter((r) => !r.startsWith('670A'));
  const file = join(mkdtempSync(join(tmpdir(), 'sscard-psam-')), 'psam-no-rkssse.json');
  writeFileSync(file, JSON.stringify(psam));
  return file;
}
