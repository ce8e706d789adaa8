import type { DedicatedFileProfile, ElementaryFileProfile } from '../../emulator/card-profile.js';
import type { CardKeyFamily as KeyAlgorithm } from '../../src/applications/keys/key-file.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { encodeTlv } from '../../src/bytes/tlv.js';
import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';

/**
 * The financial application (PBOC 3.0 debit with electronic cash and qPBOC, card-facts §7):
 * PSE `1PAY.SYS.DDF01` (contact directory, record file SFI 1), PPSE `2PAY.SYS.DDF01` (contactless
 * directory in its FCI) and the debit ADF `A000000333010101` with its AFL records, transaction
 * log (SFI 0B), electronic-cash data objects, offline PIN and application cryptogram key.
 * Only cards with a PAN carry it. The formulas are in emulator/applications/pboc/README.md.
 */
export function pbocPart(card: CardIdentity, options: { acAlgorithm?: KeyAlgorithm } = {}): ProfilePart | undefined {
  if (card.pan === undefined) return undefined;
  // Third-generation cards use the domestic algorithms; older ones 3DES.
  const algorithm = options.acAlgorithm ?? (card.specVersion === '3.00' ? 'sm4' : '3des');
  const master = algorithm === 'sm4' ? PBOC_TEST_MASTER_KEYS.acSm4 : PBOC_TEST_MASTER_KEYS.ac3des;
  return {
    name: 'pboc',
    files: [pse(), ppse(), debitAdf(card, algorithm, master)],
    masterKeys: { ac: { algorithm, master } },
  };
}

/** Published test master keys of the sample cards' AC key (never for real cards). */
export const PBOC_TEST_MASTER_KEYS = {
  acSm4: '5042 4F43 2D41 432D 534D 342D 5445 5354'.replace(/ /g, ''), // "PBOC-AC-SM4-TEST"
  ac3des: '5042 4F43 2D41 432D 3344 4553 5445 5354'.replace(/ /g, ''), // "PBOC-AC-3DESTEST"
} as const;

export const DEBIT_AID = 'A000000333010101';
const LABEL = 'PBOC DEBIT';
const PSE_NAME = '1PAY.SYS.DDF01';
const PPSE_NAME = '2PAY.SYS.DDF01';
/** Card-facts §7: the typical qPBOC PDOL. */
export const PDOL = '9F66049F02069F03069F1A0295055F2A029A039C019F3704';
/** CDOL1: the same transaction data without the TTQ. */
export const CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F3704';
/** Log format: date, amount, other amount, country, currency, type, ATC — all known to the card from the PDOL. */
export const LOG_FORMAT = '9A039F02069F03069F1A025F2A029C019F3602';
export const LOG_SFI = 0x0b;
export const LOG_RECORDS = 10;
const LOG_RECORD_SIZE = 3 + 6 + 6 + 2 + 2 + 1 + 2;
/** AIP: SDA/DDA not supported (the emulator does no offline data authentication), cardholder verification, terminal risk management. */
const AIP = '1800';
/** AFL: SFI 1 record 1, SFI 2 records 1..2 (none used for offline data authentication). */
const AFL = '08010100' + '10010200';
const PSN = '01';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const tlv = (tag: number, value: Uint8Array | string): Uint8Array => encodeTlv(tag, typeof value === 'string' ? fromHex(value) : value);

function pse(): DedicatedFileProfile {
  const name = ascii(PSE_NAME);
  const fci = tlv(0x6f, concatBytes(tlv(0x84, name), tlv(0xa5, concatBytes(tlv(0x88, '01'), tlv(0x5f2d, ascii('zhen'))))));
  const entry = tlv(0x61, concatBytes(tlv(0x4f, DEBIT_AID), tlv(0x50, ascii(LABEL)), tlv(0x87, '01')));
  const directory: ElementaryFileProfile = {
    kind: 'ef',
    type: 'linear-variable',
    sfi: 1,
    label: 'PSE directory',
    records: [toHex(tlv(0x70, entry))],
  };
  return { kind: 'df', dfName: toHex(name), label: 'PSE', fci: toHex(fci), children: [directory] };
}

function ppse(): DedicatedFileProfile {
  const name = ascii(PPSE_NAME);
  const entry = tlv(0x61, concatBytes(tlv(0x4f, DEBIT_AID), tlv(0x50, ascii(LABEL)), tlv(0x87, '01')));
  const fci = tlv(0x6f, concatBytes(tlv(0x84, name), tlv(0xa5, tlv(0xbf0c, entry))));
  return { kind: 'df', dfName: toHex(name), label: 'PPSE', fci: toHex(fci) };
}

function debitAdf(card: CardIdentity, algorithm: KeyAlgorithm, master: string): DedicatedFileProfile {
  const pan = card.pan!;
  const fci = tlv(
    0x6f,
    concatBytes(
      tlv(0x84, DEBIT_AID),
      tlv(
        0xa5,
        concatBytes(
          tlv(0x50, ascii(LABEL)),
          tlv(0x87, '01'),
          tlv(0x9f38, PDOL),
          tlv(0x5f2d, ascii('zhen')),
          tlv(0x9f11, '01'),
          tlv(0x9f12, ascii('UnionPay Debit')),
          tlv(0xbf0c, tlv(0x9f4d, Uint8Array.of(LOG_SFI, LOG_RECORDS))),
        ),
      ),
    ),
  );
  const expiry = card.expiryDate.slice(2); // YYMMDD
  const effective = card.issueDate.slice(2);
  const panBcd = bcdF(pan);
  const record = (...parts: Uint8Array[]) => toHex(tlv(0x70, concatBytes(...parts)));
  const sfi1: ElementaryFileProfile = {
    kind: 'ef',
    type: 'linear-variable',
    sfi: 1,
    label: 'track 2 and name',
    records: [record(tlv(0x57, track2(pan, expiry)), tlv(0x5f20, ascii(card.bankName ?? '')), tlv(0x9f1f, ascii('0000000000')))],
  };
  const sfi2: ElementaryFileProfile = {
    kind: 'ef',
    type: 'linear-variable',
    sfi: 2,
    label: 'application data',
    records: [
      record(
        tlv(0x5a, panBcd),
        tlv(0x5f24, expiry),
        tlv(0x5f25, effective),
        tlv(0x5f34, PSN),
        tlv(0x5f28, '0156'),
        tlv(0x9f07, 'FF00'),
        tlv(0x9f08, '0030'),
        tlv(0x8c, CDOL1),
        tlv(0x8d, '8A029F3704'),
      ),
      record(
        tlv(0x8e, '000000000000000042031E031F00'),
        tlv(0x9f0d, 'D86004A800'),
        tlv(0x9f0e, '0010800000'),
        tlv(0x9f0f, 'D86804F800'),
        tlv(0x9f4a, '82'),
      ),
    ],
  };
  const log: ElementaryFileProfile = {
    kind: 'ef',
    type: 'cyclic',
    sfi: LOG_SFI,
    label: 'transaction log (format 9F4F)',
    recordSize: LOG_RECORD_SIZE,
    maxRecords: LOG_RECORDS,
    records: [],
  };
  return {
    kind: 'df',
    dfName: DEBIT_AID,
    label: 'PBOC debit (electronic cash, qPBOC)',
    fci: toHex(fci),
    application: 'pboc-debit',
    dataObjects: {
      // Read by the emulator only (GET DATA hides them): what GPO answers.
      '82': AIP,
      '94': AFL,
      '9F79': '000000020000', // electronic cash balance 200.00 yuan (initial; live value in the state)
      '9F77': '000000100000', // balance limit 1000.00
      '9F78': '000000010000', // single-transaction (no-PIN) limit 100.00
      '9F6D': '000000000000', // reset threshold
      '9F13': '0000', // last online ATC (initial)
      '9F36': '0000', // ATC (initial)
      '9F4F': LOG_FORMAT,
      '9F51': '0156', // application currency: CNY
    },
    pins: [{ id: '80', value: card.pin, retryLimit: 3, minLength: 4, maxLength: 12, testPin: true }],
    keys: [{ id: '01', usage: 'ac', algorithm, diversified: { master, factors: [panFactor(pan, PSN)] }, testKey: true }],
    children: [sfi1, sfi2, log],
  };
}

/** Card key diversification factor (EMV option A): the rightmost 16 digits of PAN ‖ PSN, as BCD. */
export function panFactor(pan: string, psn: string): string {
  return `${pan}${psn}`.padStart(16, '0').slice(-16);
}

/** Digits as BCD, an odd count padded with an F nibble. */
function bcdF(digits: string): string {
  return digits.length % 2 === 0 ? digits : `${digits}F`;
}

/** Track 2 equivalent data: PAN D YYMM service code 220, discretionary data, F-padded. */
function track2(pan: string, expiryYymmdd: string): string {
  return bcdF(`${pan}D${expiryYymmdd.slice(0, 4)}2200000000000`);
}
