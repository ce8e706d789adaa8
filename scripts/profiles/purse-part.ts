import type { ElementaryFileProfile, KeyProfile } from '../../emulator/card-profile.js';
import type { MasterKeyEntry } from '../../src/applications/keys/key-file.js';
import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';
import { testMasterKey } from './test-key-values.js';

/** The transport e-purse ADF (card-facts §8): selectable by AID and as DF 1001 under the MF. */
export const PURSE_AID = 'A000000632010105';
export const PURSE_FID = '1001';

/** Opening balance of the sample cards, in fen, so that `sscard purse balance` has something to show. */
const OPENING_BALANCE: Record<string, number> = { default: 5000, 'ss-2.00': 1280 };

/**
 * The transport e-purse of a sample card: the default 3.00 card and the 2.00 city card carry one
 * (2.00 city cards often had one); the 1.00 card does not.
 *
 * - SFI 15 card information, 30 bytes: issuer id(8) application type(1) version(1) application
 *   serial number(10, BCD, at offset 10 as card-facts §8 says) valid-from(4) valid-until(4) RFU(2).
 *   The purse keys are diversified once with ASN8 = the last 8 bytes of the serial number.
 * - SFI 17 compound-application (CAPP) data: one 48-byte record, tag 02 = metro in-station state,
 *   written only through UPDATE CAPP DATA CACHE inside a compound purchase.
 * - SFI 18 transaction details, cyclic 10 × 23; SFI 1E metro trips, cyclic 30 × 48.
 * - Keys per key index 01 and 02 (key version = index): DLK `load`, DPK `purchase`, DTK `tac`
 *   (index 02: `load-02`, …) — 3DES, the published form. The SM4 variant is chosen per card by the
 *   keys' `algorithm` ("sm4"): the same profile with SM4 keys answers algorithm id 04 and uses the
 *   SM4 formulas (test/purse shows it on such a card).
 * - Data objects DF40 balance limit (100000 fen = 1000 yuan), DF41 opening balance, DF42 overdraft
 *   limit (0).
 */
export function pursePart(card: CardIdentity): ProfilePart | undefined {
  if (card.specVersion === '1.00') return undefined;
  const algorithm = '3des' as const;
  const serial = applicationSerial(card);
  const asn8 = serial.slice(4);
  const masterKeys: Record<string, MasterKeyEntry> = {};
  const keys: KeyProfile[] = [];
  for (const index of [1, 2]) {
    for (const usage of ['load', 'purchase', 'tac'] as const) {
      const name = purseKeyName(usage, index);
      const master = testMasterKey(`${card.profileName}/purse`, name);
      masterKeys[name] = { algorithm, master };
      const id = index.toString(16).padStart(2, '0').toUpperCase();
      keys.push({ id, usage, algorithm, version: index, diversified: { master, factors: [asn8] }, testKey: true });
    }
  }
  const cardInfo = [
    `${card.regionCode}0000FFFFFF`, // issuer identifier: region code, padded
    '02', // application type: electronic purse
    '01', // application version
    serial,
    card.issueDate.replace(/-/g, ''),
    card.expiryDate.replace(/-/g, ''),
    '0000',
  ].join('');
  const files: ElementaryFileProfile[] = [
    {
      kind: 'ef',
      type: 'transparent',
      fid: '0015',
      sfi: 0x15,
      label: 'card information',
      size: 30,
      content: cardInfo,
      access: { read: 'free' },
    },
    {
      kind: 'ef',
      type: 'linear-fixed',
      fid: '0017',
      sfi: 0x17,
      label: 'compound application data (metro state)',
      recordSize: 48,
      records: [`02${'00'.repeat(47)}`],
      access: { read: 'free', update: 'never' },
    },
    {
      kind: 'ef',
      type: 'cyclic',
      fid: '0018',
      sfi: 0x18,
      label: 'transaction details',
      recordSize: 23,
      maxRecords: 10,
      records: [],
      access: { read: 'free', update: 'never' },
    },
    {
      kind: 'ef',
      type: 'cyclic',
      fid: '001E',
      sfi: 0x1e,
      label: 'metro trips',
      recordSize: 48,
      maxRecords: 30,
      records: [],
      access: { read: 'free', update: 'never' },
    },
  ];
  const balance = OPENING_BALANCE[card.profileName] ?? 0;
  return {
    name: 'purse',
    masterKeys,
    files: [
      {
        kind: 'df',
        fid: PURSE_FID,
        dfName: PURSE_AID,
        label: 'transport e-purse (JT/T 978)',
        application: 'transport-purse',
        dataObjects: { DF40: '000186A0', DF41: balance.toString(16).padStart(8, '0').toUpperCase(), DF42: '000000' },
        keys,
        children: files,
      },
    ],
  };
}

/** Key name in <card>.keys.json: `load`, `purchase`, `tac` for key index 1, `load-02`, … for others. */
export function purseKeyName(usage: 'load' | 'purchase' | 'tac', index: number): string {
  return index === 1 ? usage : `${usage}-${index.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** 10-byte BCD application serial number: 4 digits of the city, 4 zeros, 12 digits from the card serial. */
function applicationSerial(card: CardIdentity): string {
  const digits = (BigInt(`0x${card.cardSerial}`) % 10n ** 12n).toString().padStart(12, '0');
  return `${card.regionCode.slice(0, 4)}0000${digits}`;
}
