import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DedicatedFileProfile, ElementaryFileProfile, KeyProfile } from '../../emulator/card-profile.js';
import type { MasterKeyEntry } from '../../src/applications/keys/software-key-provider.js';
import { encodeCn } from '../../src/bytes/bcd.js';
import { encodeAn } from '../../src/bytes/gbk.js';
import { toHex } from '../../src/bytes/hex.js';
import { encodeTlv } from '../../src/bytes/tlv.js';
import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';
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

/** The SSSE keys by id or role (card-facts §4–5) and what each is for. */
const SSSE_KEYS: Array<{ id: string; usage: string; name: string }> = [
  { id: '0A', usage: 'external-auth', name: '0A' }, // read EF07 fingerprint, EF08 photo
  { id: '04', usage: 'external-auth', name: '04' }, // update EF05/EF06
  { id: '0D', usage: 'external-auth', name: '0D' }, // update EF0D
  { id: '11', usage: 'pin-unblock', name: 'pin-unblock' },
  { id: '12', usage: 'pin-reload', name: 'pin-reload' },
  { id: '13', usage: 'app-block', name: 'app-block' },
  { id: '14', usage: 'app-unblock', name: 'app-unblock' },
];

/**
 * Keys are diversified in three levels (card-facts §5): province "<2 digits>0000sh", city
 * "<6 digits>sx", then the card (the last 8 bytes of the ATR).
 */
export function ssseDiversificationFactors(card: CardIdentity): string[] {
  return [`ascii:${card.regionCode.slice(0, 2)}0000sh`, `ascii:${card.regionCode}sx`, 'atr-last8'];
}

export function ssePart(card: CardIdentity): ProfilePart {
  const algorithm = card.specVersion === '3.00' ? 'sm4' : '3des';
  const masterKeys: Record<string, MasterKeyEntry> = {};
  const key = (id: string, usage: string, name: string): KeyProfile => {
    const master = testMasterKey(`${card.profileName}/ssse`, name);
    masterKeys[name] = { algorithm, master };
    return { id, usage, algorithm, version: 1, diversified: { master, factors: ssseDiversificationFactors(card) }, testKey: true };
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
    access: { read: 'free', update: { key: '04' } },
  };
  const ef07: ElementaryFileProfile = {
    kind: 'ef',
    type: 'transparent',
    fid: 'EF07',
    sfi: 7,
    label: 'fingerprint template',
    size: 0x400,
    content: testBytes(`${card.profileName}/fingerprint`, 0x200),
    fill: '00',
    access: { read: { key: '0A' }, update: 'never' },
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
    access: { read: { key: '0A' }, update: 'never' },
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
      access: { read: 'free', update: { key: '0D' } },
    });
  }
  // DF01–DF07 carry the ministry's business data; DF04 is the one terminals use (medical insurance).
  const businessDf = (fid: string, label: string, records: string[]): DedicatedFileProfile => ({
    kind: 'df',
    fid,
    label,
    children: [
      {
        kind: 'ef',
        type: 'linear-variable',
        fid: 'EF05',
        sfi: 5,
        recordSize: 0x20,
        maxRecords: 4,
        records,
        access: { read: { pin: '00' }, update: { key: '04' } },
      },
    ],
  });
  children.push(
    businessDf('DF01', 'public data', [rec(0x80, ascii('1', 1))]),
    businessDf('DF02', 'employment', [rec(0x80, ascii('01', 2))]),
    businessDf('DF03', 'social insurance', [rec(0x80, ascii('1', 1)), rec(0x81, cn(card.regionCode, 3))]),
    medicalDf(card, key('84', 'external-auth', '84')),
    businessDf('DF05', 'regional application 1', [rec(0x80, ascii('0', 1))]),
    businessDf('DF06', 'regional application 2', [rec(0x80, ascii('0', 1))]),
    businessDf('DF07', 'regional application 3', [rec(0x80, ascii('0', 1))]),
  );
  const ssse: DedicatedFileProfile = {
    kind: 'df',
    dfName: SSSE_DF_NAME,
    label: 'SSSE (social security application)',
    pins: [{ id: '00', value: card.pin, retryLimit: 6, minLength: 6, maxLength: 6, testPin: true }],
    keys: SSSE_KEYS.map((k) => key(k.id, k.usage, k.name)),
    children,
  };
  return { name: 'ssse', files: [ssse], masterKeys };
}

/** Initial medical account balance of the sample cards, in fen. */
export const SAMPLE_MEDICAL_BALANCE_FEN = 523_800;

/**
 * DF04 medical insurance (card-facts §3): base data (EF05, tags 80–84), the balance and offline
 * settlement total (EF06, tags 93 and 92, 4-byte fen), the cyclic log (EF08, 30 × 28) and special
 * settlement records (EF15). The `ssse-medical` application answers MEDICAL DEBIT here.
 */
function medicalDf(card: CardIdentity, key84: KeyProfile): DedicatedFileProfile {
  return {
    kind: 'df',
    fid: 'DF04',
    dfName: MEDICAL_DF_NAME,
    label: 'medical insurance',
    application: 'ssse-medical',
    keys: [key84],
    children: [
      {
        kind: 'ef',
        type: 'linear-variable',
        fid: 'EF05',
        sfi: 5,
        label: 'medical insurance base data',
        recordSize: 0x20,
        maxRecords: 5,
        records: [
          rec(0x80, ascii('11', 2)), // 职工基本医疗保险
          rec(0x81, cn(card.regionCode, 3)),
          rec(0x82, ascii('21', 2)), // 在职
          rec(0x83, ascii('1', 1)), // account normal
          rec(0x84, hex(card.issueDate)),
        ],
        access: { read: { pin: '00' }, update: { key: '84' } },
      },
      {
        kind: 'ef',
        type: 'linear-variable',
        fid: 'EF06',
        sfi: 6,
        label: 'offline settlement total and account balance',
        recordSize: 0x08,
        maxRecords: 2,
        records: [rec(0x92, u32(0)), rec(0x93, u32(SAMPLE_MEDICAL_BALANCE_FEN))],
        access: { read: { pin: '00' }, update: 'never' },
      },
      {
        kind: 'ef',
        type: 'cyclic',
        fid: 'EF08',
        sfi: 8,
        label: 'medical transaction log',
        recordSize: 28,
        maxRecords: 30,
        records: [],
        access: { read: { pin: '00' }, update: 'never' },
      },
      {
        kind: 'ef',
        type: 'cyclic',
        fid: 'EF15',
        sfi: 21,
        label: 'special settlement records',
        recordSize: 28,
        maxRecords: 10,
        records: [],
        access: { read: { pin: '00', key: '84' }, update: 'never' },
      },
    ],
  };
}
