import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DedicatedFileProfile, ElementaryFileProfile, KeyProfile } from '../../emulator/card-profile.js';
import type { SpecKeyFileEntry } from '../../src/applications/keys/key-file.js';
import { encodeCn } from '../../src/bytes/bcd.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import { encodeAn, encodeGbk } from '../../src/bytes/gbk.js';
import { toHex } from '../../src/bytes/hex.js';
import { encodeTlv } from '../../src/bytes/tlv.js';
import { cityFactor, type DiversificationLevel, provinceFactor } from '../../src/crypto/card-key-factors.js';
import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';
import { businessDfProfile, businessDfs } from './ssse-business-part.js';
import { testBytes, testMasterKey } from './test-key-values.js';

const SSSE_DF_NAME = '7378312E73682EC9E7BBE1B1A3D5CF';
const MEDICAL_DF_NAME = 'D15600000503';
const PHOTO = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'assets', 'photo-sample.jpg'));

/** A record `tag len value` as EF05/EF06 hold them. */
function rec(tag: number, value: Uint8Array): string {
  return toHex(encodeTlv(tag, value));
}
const ascii = (text: string, length: number) => encodeAn(text, length);
const cn = (digits: string, length: number) => encodeCn(digits, length);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

/**
 * The SSSE-level keys of card-spec §4.2 with their card key ids, and the levels a PSAM or HSM
 * applies to its root to reach the card's key (PSAM usage byte: 67 = 3 levels for IRK and RK keys,
 * 26/27 = 1 level for STK and UK keys; the HSM-only PUK and BK from the national root).
 */
const ALL_LEVELS: DiversificationLevel[] = ['province', 'city', 'card'];
const CARD_LEVEL: DiversificationLevel[] = ['card'];
interface SpecKey {
  name: string;
  id: string;
  usage: 'internal-auth' | 'external-auth' | 'secure-messaging' | 'medical-purchase' | 'medical-load' | 'medical-tac';
  levels: DiversificationLevel[];
}
const SSSE_KEYS: SpecKey[] = [
  { name: 'IRK', id: '00', usage: 'internal-auth', levels: ALL_LEVELS },
  { name: 'STK', id: '02', usage: 'secure-messaging', levels: CARD_LEVEL },
  { name: 'UKSSSE', id: '04', usage: 'external-auth', levels: CARD_LEVEL },
  { name: 'BK', id: '05', usage: 'external-auth', levels: ALL_LEVELS },
  { name: 'PUK', id: '06', usage: 'external-auth', levels: ALL_LEVELS },
  { name: 'RKSSSE', id: '0A', usage: 'external-auth', levels: ALL_LEVELS },
];
/** DF04's keys (card-spec §4.2: 82 STKDF04, 83 LKDF04, 84 RK1DF04, 85 UK1DF04, 86 UK2DF04). */
const DF04_KEYS: SpecKey[] = [
  { name: 'STKDF04', id: '82', usage: 'secure-messaging', levels: CARD_LEVEL },
  { name: 'LKDF04', id: '83', usage: 'external-auth', levels: ALL_LEVELS },
  { name: 'RK1DF04', id: '84', usage: 'external-auth', levels: ALL_LEVELS },
  { name: 'UK1DF04', id: '85', usage: 'external-auth', levels: CARD_LEVEL },
  { name: 'UK2DF04', id: '86', usage: 'external-auth', levels: CARD_LEVEL },
  // The purse keys (card-spec §4.2, §7): a PSAM holds DPK one level up (usage byte 22: one level);
  // DLK, DTK and DSK are HSM keys, from the national root (three levels). Key index 01.
  { name: 'DPK', id: '01', usage: 'medical-purchase', levels: CARD_LEVEL },
  { name: 'DLK', id: '01', usage: 'medical-load', levels: ALL_LEVELS },
  { name: 'DTK', id: '01', usage: 'medical-tac', levels: ALL_LEVELS },
  // UPDATE STARTING DAY after EXTERNAL AUTHENTICATE with DSK (card id not given by the spec: 87).
  { name: 'DSK', id: '87', usage: 'external-auth', levels: ALL_LEVELS },
];
/** Wrong cryptograms before an external-authentication key locks (P7 §6.6 gives no number). */
const KEY_TRY_LIMIT = 3;

/** Algorithm id in the SSSE FCI (card-spec §2.2): 01 DES/3DES, 03 SM4. */
const ALGORITHM_ID = { '3des': '01', sm4: '03' } as const;

/** The 8-byte profile factor of a level: province/city as ASCII, the card as "card" (historical T6…TD). */
function profileFactor(level: DiversificationLevel, card: CardIdentity): string {
  if (level === 'card') return 'card';
  const bytes = level === 'province' ? provinceFactor(card.regionCode) : cityFactor(card.regionCode);
  return `ascii:${String.fromCharCode(...bytes)}`;
}

export function ssePart(card: CardIdentity): ProfilePart {
  const algorithm = card.specVersion === '3.00' ? 'sm4' : '3des';
  const keyFile: Record<string, SpecKeyFileEntry> = {};
  const key = (spec: SpecKey, df: string): KeyProfile => {
    // STK is a single-length DES key on DES cards (card-spec §4.2).
    const keyAlgorithm = spec.usage === 'secure-messaging' && algorithm === '3des' ? 'des' : algorithm;
    const master = testMasterKey(`${card.profileName}/ssse`, spec.name).slice(0, keyAlgorithm === 'des' ? 16 : 32);
    keyFile[spec.name] = { df, id: spec.id, master, levels: spec.levels };
    return {
      id: spec.id,
      name: spec.name,
      usage: spec.usage,
      algorithm: keyAlgorithm,
      version: 1,
      ...(spec.usage === 'external-auth' ? { errorLimit: KEY_TRY_LIMIT } : {}),
      diversified: { master, factors: spec.levels.map((level) => profileFactor(level, card)) },
      testKey: true,
    };
  };

  const identifier = hex(`${card.regionCode}D156000005${card.cardSerial}`);
  const ef05: ElementaryFileProfile = {
    kind: 'ef',
    type: 'linear-variable',
    fid: 'EF05',
    sfi: 5,
    label: 'card data',
    recordSize: 0x20,
    maxRecords: 7,
    records: [
      rec(0x01, identifier),
      rec(0x02, ascii(card.cardType, 1)),
      rec(0x03, ascii(card.specVersion, 4)),
      rec(0x04, cn(card.issuingOrg, 12)),
      rec(0x05, hex(card.issueDate)),
      rec(0x06, hex(card.expiryDate)),
      rec(0x07, ascii(card.cardNumber, 9)),
    ],
    access: { read: 'free', update: { key: '04' } },
  };
  const holder = {
    ssn: rec(0x08, ascii(card.ssn, 18)),
    name: rec(0x09, encodeAn(card.name, 30, 'name')),
    ext: rec(0x4e, encodeAn(card.nameExtension ?? '', 20, 'name extension')),
    sex: rec(0x0a, ascii(card.sexCode, 1)),
    ethnicity: rec(0x0b, cn(card.ethnicity, 1)),
    birthplace: rec(0x0c, cn(card.birthplace, 3)),
    birthDate: rec(0x0d, hex(card.birthDate)),
  };
  // Spec 1.00 has no name extension, so the records after the name sit one number lower.
  const ef06Records =
    card.specVersion === '1.00'
      ? [holder.ssn, holder.name, holder.sex, holder.ethnicity, holder.birthplace, holder.birthDate]
      : [holder.ssn, holder.name, holder.ext, holder.sex, holder.ethnicity, holder.birthplace, holder.birthDate];
  const ef06: ElementaryFileProfile = {
    kind: 'ef',
    type: 'linear-variable',
    fid: 'EF06',
    sfi: 6,
    label: 'cardholder',
    recordSize: 0x24,
    maxRecords: 8,
    records: ef06Records,
    // P6/V2 T3, SC §10.2: free on 1.00/2.00 cards, RKSSSE on 3.00 cards.
    access: { read: card.specVersion === '3.00' ? { key: '0A' } : 'free', update: { key: '04' } },
  };
  const ef07: ElementaryFileProfile = {
    kind: 'ef',
    type: 'transparent',
    fid: 'EF07',
    sfi: 7,
    label: 'fingerprint template',
    size: 0x300, // V2 T9
    content: testBytes(`${card.profileName}/fingerprint`, 0x200),
    fill: '00',
    access: { read: card.specVersion === '1.00' ? 'free' : { key: '0A' }, update: { key: '04' } },
  };
  const ef08: ElementaryFileProfile = {
    kind: 'ef',
    type: 'transparent',
    fid: 'EF08',
    sfi: 8,
    label: 'photo (JPEG)',
    size: 0x1000,
    content: PHOTO.toString('hex').toUpperCase(),
    fill: '00',
    access: { read: { key: '0A' }, update: { key: '04' } },
  };
  const children: Array<DedicatedFileProfile | ElementaryFileProfile> = [ef05, ef06, ef07, ef08];
  if (card.specVersion === '3.00') {
    children.push({
      kind: 'ef',
      type: 'linear-variable',
      fid: 'EF0D',
      sfi: 13,
      label: 'person identifier (3rd generation)',
      recordSize: 0x20,
      maxRecords: 2,
      records: [rec(0xea, ascii(`P${card.ssn.slice(0, 11)}`, 12)), rec(0xeb, cn(card.regionCode, 3))],
      access: { read: 'free', update: { key: '04' } },
    });
  }
  // DF01–DF07 carry the ministry's business data (ssse-business-part.ts); DF04 is the one
  // terminals pay with (medical insurance).
  const business = businessDfs(card).map((df) => businessDfProfile(df, key));
  children.push(
    ...business.filter((df) => df.fid! < 'DF04'),
    medicalDf(
      card,
      DF04_KEYS.map((k) => key(k, 'DF04')),
    ),
    ...business.filter((df) => df.fid! > 'DF04'),
  );
  children.push(directory(card.specVersion === '1.00' ? APPLICATIONS.filter((a) => a.aid !== 'D15600000504') : APPLICATIONS));
  const ssse: DedicatedFileProfile = {
    kind: 'df',
    dfName: SSSE_DF_NAME,
    label: 'SSSE (social security application)',
    fci: ssseFci(algorithm),
    pins: [{ id: '00', value: card.pin, retryLimit: 6, minLength: 4, maxLength: 12, testPin: true }],
    keys: SSSE_KEYS.map((k) => key(k, 'SSSE')),
    children,
  };
  return { name: 'ssse', files: [ssse], keyFile: { algorithm, keys: keyFile } };
}

/** Initial medical account balance of the sample cards, in fen. */
export const SAMPLE_MEDICAL_BALANCE_FEN = 523_800;

/** SFI of the SSSE directory, as the FCI of real 3.00 cards gives it (`88 01 1E`). */
const DIRECTORY_SFI = 0x1e;

/** The applications with an AID under SSSE (card-spec §2.1, V2 T2) and their directory labels. */
const APPLICATIONS = [
  { aid: 'D15600000500', label: '公共应用信息区' },
  { aid: 'D15600000501', label: '就业与失业信息区' },
  { aid: 'D15600000502', label: '社会保险信息区1' },
  { aid: MEDICAL_DF_NAME, label: '社会保险信息区2' },
  { aid: 'D15600000504', label: '人事人才信息区' },
];

/** SSSE FCI (P5 T36, card-spec §2.2): 6F { 84 name, A5 { 88 directory SFI, 9F0C { 86 01 algorithm } } }. */
function ssseFci(algorithm: 'sm4' | '3des'): string {
  const proprietary = concatBytes(
    encodeTlv(0x88, Uint8Array.of(DIRECTORY_SFI)),
    encodeTlv(0x9f0c, encodeTlv(0x86, hex(ALGORITHM_ID[algorithm]))),
  );
  return toHex(encodeTlv(0x6f, concatBytes(encodeTlv(0x84, hex(SSSE_DF_NAME)), encodeTlv(0xa5, proprietary))));
}

/** The SSSE directory (P3 §5.1.4): one record per application, `61 { 4F AID, 50 label }`. */
function directory(applications: typeof APPLICATIONS): ElementaryFileProfile {
  return {
    kind: 'ef',
    type: 'linear-variable',
    sfi: DIRECTORY_SFI,
    label: 'directory',
    recordSize: 0x20,
    maxRecords: applications.length,
    records: applications.map((a) => toHex(encodeTlv(0x61, concatBytes(encodeTlv(0x4f, hex(a.aid)), encodeTlv(0x50, encodeGbk(a.label)))))),
    access: { read: 'free', update: 'never' },
  };
}

/**
 * DF04 medical insurance as V2 lays it out (card-spec §2.5, §3.5): base data EF05, the
 * temporary-offline settlement EF06, the cyclic log EF08 (30 × 28) and the special settlement log
 * EF15 (8 × 3). The `ssse-medical` application keeps the COS-internal amounts and answers the `B0`
 * commands.
 */
function medicalDf(card: CardIdentity, keys: KeyProfile[]): DedicatedFileProfile {
  const pinOrRk1 = { anyOf: [{ pin: '00' }, { key: '84' }] };
  const hospital = (code: string) => ascii(code, 9);
  return {
    kind: 'df',
    fid: 'DF04',
    dfName: MEDICAL_DF_NAME,
    label: 'medical insurance',
    application: 'ssse-medical',
    // The COS-internal amounts file starts from this opening balance (the emulator's choice).
    dataObjects: { DF41: toHex(u32(SAMPLE_MEDICAL_BALANCE_FEN)) },
    keys,
    children: [
      {
        kind: 'ef',
        type: 'linear-variable',
        fid: 'EF05',
        sfi: 5,
        label: 'medical insurance base data',
        recordSize: 0x20,
        maxRecords: 17,
        records: [
          rec(0x81, ascii('31001000', 8)), // 310 employees' basic medical insurance; outpatient pooling
          rec(0x84, cn(card.regionCode, 3)),
          rec(0x87, ascii(`H${card.regionCode}${card.cardSerial.slice(-10)}`.padEnd(17, '0').slice(0, 17), 0x11)),
          rec(0x8c, cn('11', 1)), // employed
          rec(0x80, hex(card.issueDate)),
          rec(0x8b, ascii(`${card.regionCode}${card.ssn}`.slice(0, 0x1d), 0x1d)),
          rec(0x8a, ascii(`YB${card.cardNumber}`, 0x0f)),
          rec(0x83, hospital(`${card.regionCode}001`)),
          rec(0x86, hospital(`${card.regionCode}002`)),
          rec(0x89, hospital(`${card.regionCode}003`)),
          rec(0x7d, hospital(`${card.regionCode}101`)),
          rec(0x7e, hospital('')),
          rec(0x7f, hospital('')),
          rec(0x8d, hospital(`${card.regionCode}201`)),
          rec(0x8e, hospital('')),
          rec(0x8f, ascii('2', 1)), // offline: the card holds the account (load, purchase)
        ],
        access: { read: pinOrRk1, update: { key: '85' } },
      },
      {
        kind: 'ef',
        type: 'linear-variable',
        fid: 'EF06',
        sfi: 6,
        label: 'temporary-offline settlement',
        recordSize: 0x08,
        maxRecords: 3,
        records: [rec(0x90, ascii('1', 1)), rec(0x92, cn('0', 4)), rec(0x93, ascii('00', 2))],
        access: { read: { pin: '00', key: '84' }, update: { key: '86' } },
      },
      {
        kind: 'ef',
        type: 'cyclic',
        fid: 'EF08',
        sfi: 8,
        label: 'medical transaction log',
        recordSize: 0x1c,
        maxRecords: 30,
        records: [],
        access: { read: { pin: '00' }, update: 'never' },
      },
      {
        kind: 'ef',
        type: 'cyclic',
        fid: 'EF15',
        sfi: 0x15,
        label: 'special settlement log',
        recordSize: 3,
        maxRecords: 8,
        records: [],
        access: { read: pinOrRk1, update: { key: '86' } },
      },
    ],
  };
}
