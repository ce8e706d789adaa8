import type { AccessRuleProfile, DedicatedFileProfile, ElementaryFileProfile, KeyProfile } from '../../emulator/card-profile.js';
import { encodeCn } from '../../src/bytes/bcd.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import { encodeAn } from '../../src/bytes/gbk.js';
import { toHex } from '../../src/bytes/hex.js';
import { encodeTlv } from '../../src/bytes/tlv.js';
import type { DiversificationLevel } from '../../src/crypto/card-key-factors.js';
import type { CardIdentity } from './card-identity.js';

/**
 * DF01–DF03 and DF05–DF07 as V2 lays them out (card-spec §2.5, §3.5): every EF with its tags,
 * filled with plausible sample data, its read rule ("PIN or RK1DFxx", DF07/DF06 by RK only, DF05
 * free) and its write key (UKnDFxx); the 1.00 differences of P6 T4–T8 on 1.00 cards.
 */

/** A DF-level key of card-spec §4.2, with the card key id sscard gives it where the spec gives none. */
export interface DfKey {
  name: string;
  id: string;
  usage: 'external-auth' | 'secure-messaging';
  levels: DiversificationLevel[];
}
const ALL: DiversificationLevel[] = ['province', 'city', 'card'];
const CARD: DiversificationLevel[] = ['card'];
const rk = (name: string, id: string): DfKey => ({ name, id, usage: 'external-auth', levels: ALL });
const uk = (name: string, id: string): DfKey => ({ name, id, usage: 'external-auth', levels: CARD });
const stk = (name: string): DfKey => ({ name, id: '82', usage: 'secure-messaging', levels: CARD });

/** Simple data item: tag, encoding, length, sample value. */
type Item = [tag: number, format: 'an' | 'cn' | 'b', length: number, value: string];
/** A B-TLV item: the template tag with its sub-items (one record per occurrence). */
type Template = { tag: number; items: Item[] };

function encodeItem([tag, format, length, value]: Item): Uint8Array {
  const bytes =
    format === 'an' ? encodeAn(value, length) : format === 'cn' ? encodeCn(value, length) : Uint8Array.from(Buffer.from(value, 'hex'));
  return encodeTlv(tag, bytes);
}
const record = (entry: Item | Template): string =>
  toHex('items' in entry ? encodeTlv(entry.tag, concatBytes(...entry.items.map(encodeItem))) : encodeItem(entry));

interface FileSpec {
  fid: string;
  label: string;
  read: AccessRuleProfile;
  update: string;
  records?: (Item | Template)[];
  cyclic?: { recordSize: number; maxRecords: number; records: string[] };
  fixed?: { recordSize: number; records: Template[] };
  transparent?: number;
}

const PIN = '00';
const pinOr = (key: string): AccessRuleProfile => ({ anyOf: [{ pin: PIN }, { key }] });
const pinAnd = (key: string): AccessRuleProfile => ({ pin: PIN, key });

function elementaryFile(f: FileSpec): ElementaryFileProfile {
  const sfi = Number.parseInt(f.fid.slice(2), 16);
  const access = { read: f.read, update: { key: f.update } };
  const base = { kind: 'ef' as const, fid: f.fid, sfi, label: f.label, access };
  if (f.transparent !== undefined) return { ...base, type: 'transparent', size: f.transparent, fill: '00' };
  if (f.cyclic !== undefined) return { ...base, type: 'cyclic', ...f.cyclic };
  if (f.fixed !== undefined) return { ...base, type: 'linear-fixed', recordSize: f.fixed.recordSize, records: f.fixed.records.map(record) };
  const records = (f.records ?? []).map(record);
  const longest = Math.max(...records.map((r) => r.length / 2));
  return { ...base, type: 'linear-variable', recordSize: longest, maxRecords: records.length, records };
}

/** `an` fixed-width pieces of a tagless cyclic record. */
const row = (...parts: [string, 'an' | 'cn', number][]) =>
  toHex(concatBytes(...parts.map(([v, f, n]) => (f === 'an' ? encodeAn(v, n) : encodeCn(v, n)))));

export interface BusinessDf {
  fid: string;
  aid?: string;
  label: string;
  keys: DfKey[];
  files: FileSpec[];
}

export function businessDfs(card: CardIdentity): BusinessDf[] {
  const v1 = card.specVersion === '1.00';
  const region = card.regionCode;
  const dfs: BusinessDf[] = [
    {
      fid: 'DF01',
      aid: 'D15600000500',
      label: 'public data',
      keys: [
        stk('STKDF01'),
        ...['UK1DF01', 'UK2DF01', 'UK3DF01', 'UK4DF01', 'UK5DF01'].map((n, i) => uk(n, (0x83 + i).toString(16).toUpperCase())),
        rk('RK1DF01', '88'),
        uk('UK6DF01', '89'),
        ...['UK7DF01', 'UK8DF01', 'UK9DF01', 'UKADF01', 'UKBDF01'].map((n, i) => uk(n, (0x8a + i).toString(16).toUpperCase())),
      ],
      files: [
        {
          fid: 'EF05',
          label: 'household registration',
          read: v1 ? { pin: PIN } : pinOr('88'),
          update: '83',
          records: [
            [0x20, 'an', 2, '10'],
            [0x21, 'an', 0x50, `${region} 示范街道 8 号`],
            [0x0e, 'cn', 3, region],
          ],
        },
        {
          fid: 'EF06',
          label: 'residence and contact',
          read: pinOr('88'),
          update: '86',
          records: [
            [0x23, 'an', 0x50, '示范路 18 号 2 单元 301 室'],
            [0x24, 'cn', 3, region],
            [0x28, 'an', 0x0f, '0571-88880000'],
            [0x2c, 'an', 0x32, '李四'],
            [0x2d, 'an', 0x0f, '13800000000'],
          ],
        },
        {
          fid: 'EF07',
          label: 'employment status',
          read: v1 ? { anyOf: [{ pin: PIN }, { key: '84' }] } : pinOr('88'),
          update: '84',
          records: [[0x29, 'an', 1, '1']],
        },
        { fid: 'EF08', label: 'marital status', read: v1 ? { pin: PIN } : pinOr('88'), update: '85', records: [[0x2b, 'an', 1, '2']] },
        {
          fid: 'EF09',
          label: 'person category and employer',
          read: v1 ? { anyOf: [{ pin: PIN }, { key: '84' }] } : pinOr('88'),
          update: '84',
          records: [
            [0x2e, 'an', 0x46, '示范科技有限公司'],
            [0x30, 'an', 9, '12345678X'],
            [0x32, 'an', 2, '11'],
          ],
        },
        {
          fid: 'EF0A',
          label: 'nationality and political status',
          read: v1 ? { pin: PIN } : pinOr('88'),
          update: '87',
          records: [
            [0x37, 'an', 3, 'CHN'],
            [0x38, 'an', 2, '13'],
            [0x39, 'cn', 4, '20080701'],
          ],
        },
        {
          fid: 'EF15',
          label: 'education',
          read: pinOr('88'),
          update: '89',
          records: [
            [0x2a, 'cn', 1, '21'],
            {
              tag: 0x40,
              items: [
                [0x57, 'an', 3, '400'],
                [0x58, 'cn', 3, '200807'],
                [0x59, 'an', 0x28, '示范大学'],
              ],
            },
            {
              tag: 0x40,
              items: [
                [0x57, 'an', 3, '300'],
                [0x58, 'cn', 3, '201107'],
                [0x59, 'an', 0x28, '示范大学研究生院'],
              ],
            },
          ],
        },
        ...['EF16', 'EF17', 'EF18', 'EF19', 'EF1A'].map(
          (fid, i): FileSpec => ({
            fid,
            label: `reserved ${i + 1}`,
            read: 'free',
            update: (0x8a + i).toString(16).toUpperCase(),
            transparent: 0x128,
          }),
        ),
      ],
    },
    {
      fid: 'DF02',
      aid: 'D15600000501',
      label: 'employment and unemployment',
      keys: [
        stk('STKDF02'),
        ...['UK1DF02', 'UK2DF02', 'UK3DF02', 'UK4DF02', 'UK5DF02'].map((n, i) => uk(n, (0x83 + i).toString(16).toUpperCase())),
        rk('RK1DF02', '88'),
        uk('UK6DF02', '89'),
      ],
      files: [
        {
          fid: 'EF05',
          label: 'skills and qualifications',
          read: pinOr('88'),
          update: '83',
          records: [
            [0x42, 'an', 3, '010'],
            [0x41, 'an', 3, '020'],
            {
              tag: 0x43,
              items: [
                [0x5a, 'an', 7, '2020101'],
                [0x5b, 'an', 1, '3'],
                [0x5c, 'an', 0x46, '示范职业技能鉴定中心'],
                [0x5d, 'cn', 4, '20150601'],
                [0x5e, 'an', 0x10, 'ZS2015000001'],
              ],
            },
            {
              tag: 0x44,
              items: [
                [0x33, 'an', 3, '001'],
                [0x34, 'an', 0x46, '示范人事考试中心'],
                [0x35, 'cn', 4, '20160301'],
                [0x36, 'an', 0x10, 'ZG2016000001'],
              ],
            },
          ],
        },
        {
          fid: 'EF06',
          label: 'employment status',
          read: pinOr('88'),
          update: '84',
          records: [
            [0x4c, 'cn', 4, '20100701'],
            [0x4b, 'an', 5, '11'],
            [0x4d, 'cn', 3, region],
            [0x4f, 'an', 6, '11'],
            [0x50, 'cn', 3, region],
            [0x3a, 'an', 7, '2020101'],
          ],
        },
        {
          fid: 'EF07',
          label: 'employment history',
          read: pinOr('88'),
          update: '85',
          cyclic: {
            recordSize: 0x55,
            maxRecords: 4,
            records: [row(['2020101', 'an', 7], ['20100701', 'cn', 4], ['20151231', 'cn', 4], ['示范科技有限公司', 'an', 0x46])],
          },
        },
        {
          fid: 'EF09',
          label: 'employment certificate',
          read: pinOr('88'),
          update: '86',
          records: [
            [0x55, 'an', 0x10, 'JY2010000001'],
            [0x56, 'an', 0x46, '示范人力资源和社会保障局'],
            [0x96, 'cn', 4, '20100701'],
            [0x97, 'cn', 3, region],
          ],
        },
        {
          fid: 'EF15',
          label: 'employment-aid status',
          read: pinOr('88'),
          update: '87',
          records: [
            {
              tag: 0x99,
              items: [
                [0x10, 'an', 3, '001'],
                [0x11, 'cn', 4, '20160101'],
                [0x12, 'cn', 3, region],
              ],
            },
            [0x0f, 'cn', 4, '20160101'],
            [0x1f, 'cn', 3, region],
          ],
        },
        {
          fid: 'EF16',
          label: 'support policies',
          read: pinOr('88'),
          update: '89',
          cyclic: {
            recordSize: 0x12,
            maxRecords: 4,
            records: [row(['001', 'an', 3], ['20160101', 'cn', 4], ['20160201', 'cn', 4], ['20161231', 'cn', 4], [region, 'cn', 3])],
          },
        },
      ],
    },
    {
      fid: 'DF03',
      aid: 'D15600000502',
      label: 'social insurance 1',
      keys: [
        stk('STKDF03'),
        { name: 'LKDF03', id: '83', usage: 'external-auth', levels: ALL },
        rk('RK1DF03', '84'),
        rk('RK2DF03', '85'),
        ...['UK1DF03', 'UK2DF03', 'UK3DF03', 'UK4DF03', 'UK5DF03', 'UK6DF03', 'UK7DF03', 'UK8DF03'].map((n, i) =>
          uk(n, (0x86 + i).toString(16).toUpperCase()),
        ),
      ],
      files: [
        {
          fid: 'EF05',
          label: 'unemployment insurance',
          read: v1 ? pinAnd('85') : pinOr('85'),
          update: '86',
          records: [
            [0x61, 'cn', 3, region],
            [0x98, 'cn', 4, '20100701'],
            [0x62, 'cn', 4, '20100701'],
            [0x63, 'an', 3, '1'],
            [0x64, 'an', 3, '1'],
            [0x65, 'an', 3, '0'],
            [0x66, 'an', 3, '0'],
          ],
        },
        {
          fid: 'EF06',
          label: 'work-ability assessment',
          read: pinOr('84'),
          update: '87',
          records: [
            [0x45, 'an', 0x14, 'LD2018000001'],
            [0x46, 'an', 2, '10'],
            [0x47, 'an', 2, '00'],
            [0x48, 'an', 1, '0'],
            [0x49, 'an', 1, '0'],
            [0x67, 'cn', 4, '20180301'],
            [0x6b, 'an', 0x3c, '示范劳动能力鉴定委员会'],
            {
              tag: 0x4a,
              items: [
                [0x13, 'an', 2, '01'],
                [0x14, 'an', 1, '1'],
                [0x15, 'an', 0x14, 'JD2018000001'],
                [0x16, 'cn', 4, '20180301'],
                [0x17, 'an', 0x3c, '示范劳动能力鉴定委员会'],
              ],
            },
          ],
        },
        {
          fid: 'EF07',
          label: 'pension insurance',
          read: v1 ? pinAnd('84') : pinOr('84'),
          update: '88',
          records: [
            [0x70, 'an', 3, '110'],
            [0x71, 'cn', 3, region],
            [0x6e, 'cn', 4, '20100701'],
            [0x6c, 'cn', 4, '20100701'],
            [0x6f, 'cn', 4, '00000000'],
            [0x73, 'cn', 4, '20100701'],
          ],
        },
        {
          fid: 'EF15',
          label: 'work-injury insurance',
          read: pinOr('84'),
          update: '89',
          records: [
            [0x7a, 'cn', 3, region],
            [0x7b, 'cn', 4, '20100701'],
            [0x7c, 'cn', 4, '00000000'],
          ],
        },
        {
          fid: 'EF16',
          label: 'maternity insurance',
          read: pinOr('84'),
          update: '8A',
          records: [
            [0x51, 'cn', 3, region],
            [0x5f, 'an', 1, '1'],
          ],
        },
        {
          fid: 'EF17',
          label: 'work-injury ruling',
          read: pinOr('84'),
          update: '8B',
          records: [
            [0x3b, 'an', 0x14, 'GS2019000001'],
            [0x3c, 'an', 0x46, '示范人力资源和社会保障局'],
            [0x3d, 'an', 1, '0'],
            [0x3e, 'cn', 4, '20190501'],
            [0x3f, 'an', 0x3c, '示范工伤认定'],
          ],
        },
        {
          fid: 'EF18',
          label: 'dependants',
          read: pinOr('84'),
          update: '8C',
          records: [
            [0x74, 'an', 3, '01'],
            [0x75, 'cn', 3, region],
            [0x76, 'cn', 1, '1'],
            [0x77, 'cn', 4, '20200101'],
            [0x78, 'cn', 4, '20301231'],
          ],
        },
        {
          fid: 'EF19',
          label: 'insurance certificates',
          read: pinOr('84'),
          update: '8D',
          fixed: {
            recordSize: 0x29,
            records: ['110', '210', '310', '410'].map((kind, i) => ({
              tag: 0x79,
              items: [
                [0x18, 'an', 3, kind],
                [0x19, 'cn', 3, region],
                [0x1a, 'cn', 4, '20100701'],
                [0x1b, 'cn', 4, '20100701'],
                [0x1c, 'cn', 4, '00000000'],
                [0x1d, 'an', 3, `${i + 1}`],
                [0x1e, 'cn', 4, '20100701'],
              ],
            })),
          },
        },
      ],
    },
    {
      fid: 'DF05',
      label: 'life and health',
      keys: [stk('STKDF05'), uk('UK1DF05', '83')],
      files: [
        {
          fid: 'EF05',
          label: 'health (V2 annex B)',
          read: 'free',
          update: '83',
          records: [
            [0xa0, 'an', 1, 'A'],
            [0xa1, 'an', 2, '00'],
          ],
        },
      ],
    },
    {
      fid: 'DF06',
      label: 'social assistance and special care',
      keys: [rk('RK1DF06', '84'), uk('UK1DF06', '85'), uk('UK2DF06', '86')],
      files: [
        { fid: 'EF05', label: 'assistance (V2 annex B)', read: { key: '84' }, update: '85', records: [[0xc0, 'an', 1, '0']] },
        { fid: 'EF06', label: 'special care (V2 annex B)', read: { key: '84' }, update: '86', records: [[0xd0, 'an', 1, '0']] },
      ],
    },
  ];
  if (!v1) {
    dfs.push({
      fid: 'DF07',
      aid: 'D15600000504',
      label: 'personnel and talent',
      keys: [rk('RK1DF07', '84'), rk('RK2DF07', '85'), rk('RK3DF07', '86'), uk('UK1DF07', '87'), uk('UK2DF07', '88'), uk('UK3DF07', '89')],
      files: [
        {
          fid: 'EF05',
          label: 'honours',
          read: { key: '84' },
          update: '87',
          records: [
            [0xf0, 'an', 2, '01'],
            [0xf1, 'an', 1, '1'],
            [0xf2, 'cn', 4, '20200501'],
            [0xf3, 'an', 3, '001'],
            [0xf4, 'cn', 4, '20200501'],
          ],
        },
        {
          fid: 'EF06',
          label: 'expert',
          read: { key: '85' },
          update: '88',
          records: [
            [0xf5, 'an', 3, '001'],
            [0xf6, 'cn', 4, '20210101'],
            [0xf7, 'an', 0x46, '示范专家库'],
          ],
        },
        {
          fid: 'EF07',
          label: 'military transfer',
          read: { key: '86' },
          update: '89',
          records: [
            [0xf8, 'cn', 4, '20090101'],
            [0xf9, 'an', 1, '0'],
          ],
        },
      ],
    });
  }
  return dfs;
}

/** The profile of one business DF, with its keys made by `key`. */
export function businessDfProfile(df: BusinessDf, key: (k: DfKey, df: string) => KeyProfile): DedicatedFileProfile {
  return {
    kind: 'df',
    fid: df.fid,
    ...(df.aid ? { dfName: df.aid } : {}),
    label: df.label,
    keys: df.keys.map((k) => key(k, df.fid)),
    children: df.files.map(elementaryFile),
  };
}
