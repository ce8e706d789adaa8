import { type CardProfile, type ElementaryFileProfile, PROFILE_FORMAT } from '../../emulator/card-profile.js';
import type { SpecKeyFileEntry } from '../../src/applications/keys/key-file.js';
import { PSAM_KEY_REFERENCES, PSAM_PURCHASE_KEY_USAGE } from '../../src/applications/psam/psam-key-references.js';
import { encodeCn } from '../../src/bytes/bcd.js';
import { toHex } from '../../src/bytes/hex.js';
import { encodePsamKeyRecord, psamKeyLevels } from '../../src/crypto/psam-key-record.js';
import type { CardIdentity } from './card-identity.js';
import { testMasterKey } from './test-key-values.js';

/** The PSAM's AID in each environment (card-spec §9.1). */
const PSAM_AID = 'D15600000590';
const DPK_VERSION = 0x01;
/** The sample cards that get a PSAM profile (`psam-<card>`). */
export const PSAM_CARDS = ['default', 'ss-2.00'];

const transparent = (fid: string, label: string, content: string, update: ElementaryFileProfile['access']): ElementaryFileProfile => ({
  kind: 'ef',
  type: 'transparent',
  fid,
  label,
  size: content.length / 2,
  content,
  access: { read: 'free', ...update },
});

/** key version ‖ auth key version ‖ start cn4 ‖ expiry cn4 (EF 001A–001C). */
const keyVersions = (purchaseKey: number, authKey: number) => `${toHex(Uint8Array.of(purchaseKey, authKey))}2024010120341231`;

/**
 * The emulated PSAM of a hospital terminal (card-spec §9) that serves `card`: its keys are the
 * roots of the card's key file (`keys`, the same values a software terminal would use) at the
 * levels each PSAM usage byte gives — 3-level roots in the national key file 0011, 1-level ones
 * in the city key file 0013. `dpk` is the purchase key's root.
 */
export function psamProfile(card: CardIdentity, keys: Record<string, SpecKeyFileEntry>, dpk: SpecKeyFileEntry): CardProfile {
  const cipher: 'sm4' | '3des' = card.specVersion === '3.00' ? 'sm4' : '3des';
  const nationalRecords: string[] = [];
  const cityRecords: string[] = [];
  const add = (name: string, usage: number, id: number, entry: SpecKeyFileEntry | undefined) => {
    if (entry === undefined) throw new Error(`the key file of ${card.profileName} has no ${name}`);
    if (entry.levels.length !== psamKeyLevels(usage)) {
      throw new Error(
        `${name}: the key file gives ${entry.levels.length} levels, PSAM usage ${usage.toString(16)} ${psamKeyLevels(usage)}`,
      );
    }
    const value = Buffer.from(entry.master, 'hex');
    const record = toHex(encodePsamKeyRecord({ usage, id, cipher: value.length === 8 ? 'des' : cipher, value }));
    (entry.levels.length === 3 ? nationalRecords : cityRecords).push(record);
  };
  for (const [name, ref] of Object.entries(PSAM_KEY_REFERENCES)) add(name, ref.usage, ref.id, keys[name]);
  add('DPK', PSAM_PURCHASE_KEY_USAGE, DPK_VERSION, dpk);

  const keyFile = (fid: string, label: string, records: string[]): ElementaryFileProfile => ({
    kind: 'ef',
    type: 'linear-variable',
    fid,
    label,
    recordSize: 24,
    maxRecords: 32,
    records,
    access: { read: 'never', update: 'never' },
  });
  const terminalNumber = `${card.regionCode}000001`;
  const ownKey = (id: string, name: string) => ({
    id,
    name,
    usage: 'external-auth' as const,
    algorithm: cipher,
    version: 1,
    value: testMasterKey(`psam-${card.profileName}`, name),
    errorLimit: 3,
    testKey: true,
  });
  return {
    format: PROFILE_FORMAT,
    name: `psam-${card.profileName}`,
    description: `PSAM of a hospital terminal in ${card.regionCode} for the sample card "${card.profileName}" (card-spec §9): terminal ${terminalNumber}`,
    atr: `3B6A00008638${toHex(new TextEncoder().encode('PSAM'))}${card.regionCode}01`,
    protocol: 'T=0',
    settings: { pinRetryLimit: 6, extendedLength: false },
    mf: {
      kind: 'df',
      fid: '3F00',
      label: 'PSAM environment',
      application: 'psam',
      keys: [ownKey('01', 'KID01'), ownKey('02', 'KID02'), ownKey('03', 'KID03')],
      children: [
        // issuer id ‖ serial cn10 ‖ PSAM version ‖ key-card type ‖ issuer FCI data (P9 T1–T2)
        transparent('0015', 'PSAM serial', `01${toHex(encodeCn(`${card.regionCode}00000000000001`, 10))}01000000`, {}),
        transparent('0016', 'terminal number', toHex(encodeCn(terminalNumber, 6)), {}),
        transparent('0019', 'terminal transaction sequence', '00000001', {}),
        transparent('001A', 'national key versions', keyVersions(0x00, 0x01), { update: { key: '01' } }),
        transparent('001B', 'provincial key versions', keyVersions(0x00, 0x01), { update: { key: '02' } }),
        transparent('001C', 'city key versions', keyVersions(DPK_VERSION, 0x01), { update: { key: '03' } }),
        {
          kind: 'df',
          fid: 'DF01',
          dfName: PSAM_AID,
          label: 'PSAM application',
          application: 'psam',
          children: [
            keyFile('0011', 'national key file', nationalRecords),
            keyFile('0012', 'provincial key file', []),
            keyFile('0013', 'city key file', cityRecords),
          ],
        },
      ],
    },
  };
}

/** DPK of the card's key file, or (until the card has one) the builder's deterministic test value. */
export function purchaseKeyRoot(card: CardIdentity, keys: Record<string, SpecKeyFileEntry>): SpecKeyFileEntry {
  return keys.DPK ?? { df: 'DF04', id: '00', master: testMasterKey(`${card.profileName}/ssse`, 'DPK'), levels: ['card'] };
}
