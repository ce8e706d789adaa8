import { randomBytes } from 'node:crypto';
import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { decodeAtr } from '../../apdu/atr.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { decodeBcdDigits, decodeCn } from '../../bytes/bcd.js';
import { decodeBcdDate } from '../../bytes/bcd-date.js';
import { concatBytes } from '../../bytes/bytes.js';
import { decodeAn } from '../../bytes/gbk.js';
import { toHex } from '../../bytes/hex.js';
import { encodePinBcd } from '../../bytes/pin-bcd.js';
import { parseTlv, tlvAtPath } from '../../bytes/tlv.js';
import type { CardChannel } from '../../channel/card-channel.js';
import type { CardAlgorithm, KeyProvider } from '../../channel/key-provider.js';
import {
  externalAuthenticationChallenges,
  internalAuthenticationAnswer,
  SecureMessaging,
  sendExternalAuthentication,
} from '../../channel/secure-messaging.js';
import { InputError } from '../../errors.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import { readBinary, readRecordByTag, selectByFid, selectByName, verifyStatus } from '../iso-commands.js';
import { MedicalSession } from '../medical/medical-session.js';
import { requireValidPin } from '../pin-format.js';
import { ON_PIN_PAD, type PinSource, verifyPinFrom } from '../pin-pad.js';
import { tlvRecordValue } from '../tlv-record.js';
import type { CardData, Cardholder } from './card-records.js';
import { type FileItems, type FileItemsCard, type ItemsAccess, readItems, writeItems } from './file-items.js';
import { EF, SSSE_ALGORITHM_ID, SSSE_DF_NAME, SSSE_KEYS, TAG, TAG_VALUE_LENGTH } from './ssse-constants.js';

export interface SocialSecurityOpenOptions {
  /**
   * The card's ATR (contact, or the reader's synthesized contactless ATR): its historical bytes
   * T6…TD diversify the card keys (P9 §7.3.3) and go into readCardBas.
   */
  atr?: Uint8Array;
  /** The card's region code when EF05 cannot be read: it diversifies the keys. */
  regionCode?: string;
  /** Source of the terminal's randoms for INTERNAL AUTHENTICATE (default node:crypto). */
  random?: (length: number) => Uint8Array;
}

/** The card's algorithm as its FCI names it, or the specification's default (card-spec §2.2). */
export type SsseAlgorithm = CardAlgorithm | 'ssf33';

/** The card uses an algorithm sscard does not implement (SSF33 is not public). */
export class UnsupportedAlgorithmError extends InputError {
  constructor(algorithm: string) {
    super('algorithm', `the card uses ${algorithm}, which sscard does not support (only DES/3DES and SM4)`);
  }
}

/** The sizes of the SSSE transparent files (V2 T9). */
const FINGERPRINT_SIZE = 0x300;
const PHOTO_SIZE = 0x1000;

/**
 * The social security application (SSSE) of a card: what outlet kiosks and hospital POS read.
 * Reads records by tag, never by fixed record number, so spec 1.00 and 2.00+ cards both work.
 * Key operations go through the card's security layer (SecureMessaging) and a KeyProvider.
 */
export class SocialSecuritySession {
  readonly channel: CardChannel;
  /** The FCI the card returned to SELECT SSSE (may be empty). */
  readonly fci: Uint8Array;
  /** The algorithm id of the FCI (`9F0C { 86 01 xx }`), undefined when the card gives none. */
  readonly fciAlgorithmId: number | undefined;
  private readonly atr: Uint8Array | undefined;
  private readonly knownRegionCode: string | undefined;
  private readonly random: (length: number) => Uint8Array;
  private currentEf: number | undefined;
  /** Set when a sub-DF (DF04) was selected: SSSE must be selected again before its own files. */
  private inSubDf = false;
  private cardData: CardData | undefined;
  /** Read once: sub-DF sessions (DF04) derive keys without going back to SSSE. */
  private region: string | undefined;

  private constructor(channel: CardChannel, fci: Uint8Array, options: SocialSecurityOpenOptions) {
    this.channel = channel;
    this.fci = fci;
    this.fciAlgorithmId = fciAlgorithmId(fci);
    this.atr = options.atr;
    this.knownRegionCode = options.regionCode;
    this.random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /**
   * Selects the SSSE DDF. 6A82: no such application; 9303: permanently blocked (P5 §6.11);
   * 6A81: the card is blocked.
   */
  static async open(channel: CardChannel, options: SocialSecurityOpenOptions = {}): Promise<SocialSecuritySession> {
    const response = await channel.transmitRaw(selectByName(SSSE_DF_NAME));
    if (response.sw === 0x6a82) throw new ApplicationNotFoundError('social security (SSSE)', response.sw);
    if (response.sw === 0x9303) throw new ApduError(response.sw, response.data, 'the social security application is permanently blocked');
    if (response.sw === 0x6a81) throw new ApduError(response.sw, response.data, 'the card is blocked');
    if (response.sw !== 0x9000) throw new ApduError(response.sw, response.data, 'selecting the social security application');
    return new SocialSecuritySession(channel, response.data, options);
  }

  /** Selects SSSE again (after working in a sub-DF such as DF04); the security status is lost. */
  async reselect(): Promise<void> {
    await this.channel.transmit(selectByName(SSSE_DF_NAME), { context: 'selecting the social security application' });
    this.currentEf = undefined;
    this.inSubDf = false;
  }

  private async ensureSsseSelected(): Promise<void> {
    if (this.inSubDf) await this.reselect();
  }

  // --- algorithm and security layer --------------------------------------------------------------

  /**
   * The card's algorithm (card-spec §2.2, P7 §5.3): the FCI's id (01 DES/3DES, 02 SSF33, 03 SM4);
   * without one, SSF33 for regions starting with 11 and DES for the others.
   */
  async algorithm(): Promise<SsseAlgorithm> {
    const id = this.fciAlgorithmId ?? ((await this.regionCode()).startsWith('11') ? SSSE_ALGORITHM_ID.ssf33 : SSSE_ALGORITHM_ID.des);
    if (id === SSSE_ALGORITHM_ID.des) return '3des';
    if (id === SSSE_ALGORITHM_ID.sm4) return 'sm4';
    if (id === SSSE_ALGORITHM_ID.ssf33) return 'ssf33';
    throw new BadResponseError(`the SSSE FCI names algorithm ${id.toString(16).padStart(2, '0')}, which the specification does not define`);
  }

  /** The security layer over this card for a key provider (an HSM, a PSAM, or software keys). */
  async security(keys: KeyProvider): Promise<SecureMessaging> {
    if (!this.atr) throw new BadResponseError('the card keys are diversified with the ATR: open the session with { atr }');
    const algorithm = await this.algorithm();
    if (algorithm === 'ssf33') throw new UnsupportedAlgorithmError('SSF33');
    const historicalBytes = decodeAtr(this.atr).historicalBytes;
    return new SecureMessaging(this.channel, keys, {
      algorithm,
      diversification: { regionCode: await this.regionCode(), historicalBytes },
    });
  }

  /**
   * INTERNAL AUTHENTICATE with IRK (P7 §5.4): the card proves it is genuine. A wrong answer is a
   * SecurityError.
   */
  async authenticateCard(keys: KeyProvider): Promise<void> {
    const security = await this.security(keys);
    await this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      await security.internalAuthenticate(this.random);
    });
  }

  /**
   * EXTERNAL AUTHENTICATE with a card key named as the specification names it (RKSSSE, UKSSSE,
   * PUK, BK, RK1DF04…): the terminal proves it holds the key. The status holds until another
   * application is selected.
   */
  async externalAuthenticate(keyName: keyof typeof SSSE_KEYS, keys: KeyProvider): Promise<void> {
    const security = await this.security(keys);
    await this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      await security.externalAuthenticate(keyName, SSSE_KEYS[keyName]);
    });
  }

  // --- authentication in steps, for a terminal whose HSM answers between them (SC fn 1.2, 2.2) ---

  /**
   * INTERNAL AUTHENTICATE with two terminal randoms: the card's answer, for the caller to compare
   * with what its HSM computes over the same factor and original.
   */
  async internalAuthenticationChallenge(): Promise<{ factor: Uint8Array; original: Uint8Array; answer: Uint8Array }> {
    const factor = this.random(8);
    const original = this.random(8);
    return this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      return { factor, original, answer: await internalAuthenticationAnswer(this.channel, factor, original) };
    });
  }

  /**
   * The first half of EXTERNAL AUTHENTICATE in SSSE: the card's two randoms (the HSM computes the
   * authentication data over them). completeExternalAuthentication must be the card's next command.
   */
  async externalAuthenticationChallenges(): Promise<{ original: Uint8Array; processFactor: Uint8Array }> {
    return this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      return externalAuthenticationChallenges(this.channel);
    });
  }

  /** The second half: EXTERNAL AUTHENTICATE with the authentication data an HSM computed. */
  async completeExternalAuthentication(keyName: keyof typeof SSSE_KEYS, authData: Uint8Array, original: Uint8Array): Promise<void> {
    await sendExternalAuthentication(this.channel, { keyName, keyId: SSSE_KEYS[keyName], authData, original });
  }

  /** The algorithm id as the HSM interfaces write it (SC §10.1): 01 DES/3DES, 02 SSF33, 03 SM4. */
  async algorithmId(): Promise<string> {
    const algorithm = await this.algorithm();
    const id = algorithm === '3des' ? SSSE_ALGORITHM_ID.des : SSSE_ALGORITHM_ID[algorithm];
    return id.toString(16).padStart(2, '0');
  }

  /** The per-card diversification data (region from EF05, historical bytes from the ATR). */
  private async regionCode(): Promise<string> {
    this.region ??= this.knownRegionCode ?? this.cardData?.regionCode ?? (await this.readRegionCode());
    return this.region;
  }

  /** EF05's records, read in one exclusive section (one PC/SC transaction, not one per record). */
  async readCardData(): Promise<CardData> {
    return this.channel.exclusive(() => this.readCardDataRecords());
  }

  private async readCardDataRecords(): Promise<CardData> {
    const ef = EF.cardData.fid;
    const identifier = await this.readTaggedRecord(ef, TAG.cardIdentifier);
    if (identifier.length !== 16) throw new BadResponseError(`card identifier has ${identifier.length} bytes, expected 16`);
    this.cardData = {
      cardIdentifier: toHex(identifier),
      regionCode: decodeBcdDigits(identifier.subarray(0, 3), 'region code'),
      cardType: decodeAn(await this.readTaggedRecord(ef, TAG.cardType)),
      specVersion: decodeAn(await this.readTaggedRecord(ef, TAG.specVersion)),
      issuingOrg: decodeCn(await this.readTaggedRecord(ef, TAG.issuingOrg), 'issuing organisation'),
      issueDate: decodeBcdDate(await this.readTaggedRecord(ef, TAG.issueDate)),
      expiryDate: decodeBcdDate(await this.readTaggedRecord(ef, TAG.expiryDate)),
      cardNumber: decodeAn(await this.readTaggedRecord(ef, TAG.cardNumber)),
    };
    return this.cardData;
  }

  /** EF06's records, read in one exclusive section. */
  async readCardholder(): Promise<Cardholder> {
    return this.channel.exclusive(() => this.readCardholderRecords());
  }

  private async readCardholderRecords(): Promise<Cardholder> {
    const ef = EF.cardholder.fid;
    const name = decodeAn(await this.readTaggedRecord(ef, TAG.name));
    // The name extension (4E) exists from spec 2.00 on; 1.00 cards answer 6A83.
    const extension = await this.readOptionalTaggedRecord(ef, TAG.nameExtension);
    const sexCode = decodeAn(await this.readTaggedRecord(ef, TAG.sex));
    return {
      ssn: decodeAn(await this.readTaggedRecord(ef, TAG.ssn)),
      name: extension ? name + decodeAn(extension) : name,
      sexCode,
      sex: sexCode === '1' ? 'male' : sexCode === '2' ? 'female' : 'unknown',
      ethnicity: decodeCn(await this.readTaggedRecord(ef, TAG.ethnicity), 'ethnicity'),
      birthplace: decodeCn(await this.readTaggedRecord(ef, TAG.birthplace), 'birthplace'),
      birthDate: decodeBcdDate(await this.readTaggedRecord(ef, TAG.birthDate)),
    };
  }

  /** True on a 3.00 card, where EF06 needs RKSSSE (SC §10.2). */
  async cardholderNeedsKey(): Promise<boolean> {
    const card = this.cardData ?? (await this.readCardData());
    return card.specVersion.startsWith('3.');
  }

  /**
   * The `iReadCardBas` line of card-spec §10.3, 11 fields with a trailing `|`: region | SSN | card
   * number | card identifier | name | historical bytes | spec version | issue date | expiry |
   * terminal number | terminal device number. With keys: INTERNAL AUTHENTICATE first, and on a
   * 3.00 card EXTERNAL AUTHENTICATE with RKSSSE before EF06. Without a PSAM the terminal number is
   * 12 zeros.
   */
  async readCardBas(options: { keys?: KeyProvider; terminalNumber?: string; deviceNumber?: string } = {}): Promise<string> {
    if (!this.atr) throw new BadResponseError('readCardBas reports the historical bytes: open the session with { atr }');
    if (options.keys) await this.authenticateCard(options.keys);
    const card = await this.readCardData();
    if (options.keys && (await this.cardholderNeedsKey())) await this.externalAuthenticate('RKSSSE', options.keys);
    const holder = await this.readCardholder();
    const date = (iso: string) => iso.replace(/-/g, '');
    return `${[
      card.regionCode,
      holder.ssn,
      card.cardNumber.slice(0, 9),
      card.cardIdentifier,
      holder.name,
      toHex(decodeAtr(this.atr).historicalBytes),
      card.specVersion,
      date(card.issueDate),
      date(card.expiryDate),
      options.terminalNumber ?? '000000000000',
      options.deviceNumber ?? '',
    ].join('|')}|`;
  }

  // --- PIN ---------------------------------------------------------------------------------------

  /** Verifies the cardholder PIN; a wrong PIN throws PinError with the tries left, a blocked one PinError.blocked. */
  async verifyPin(pin: string): Promise<void> {
    await verifyPinFrom(this.channel, pin, 'verifying the PIN');
  }

  /**
   * VERIFY in SSSE with the PIN typed on the reader's PIN pad (PC/SC part 10): the PIN never passes
   * through this program (pin-pad.ts). A reader without a pad is an InputError; a wrong PIN a
   * PinError, as verifyPin.
   */
  async verifyPinOnPad(): Promise<void> {
    await this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      await verifyPinFrom(this.channel, ON_PIN_PAD, 'verifying the PIN');
    });
  }

  /** The tries left, asked without spending one (VERIFY with no data). */
  async pinTriesLeft(): Promise<number> {
    const r = await this.channel.transmitRaw(verifyStatus());
    if ((r.sw & 0xfff0) === 0x63c0) return r.sw & 0x0f;
    if (r.sw === 0x6983) return 0;
    if (r.sw === 0x9000)
      throw new BadResponseError('the card answered 9000 to a PIN status query: the PIN is already verified in this session');
    throw new ApduError(r.sw, r.data, 'asking the PIN tries left');
  }

  /** The cardholder changes the PIN: `80 5E 01 00 07 old ‖ FF ‖ new` (card-facts §4). */
  async changePin(oldPin: string, newPin: string): Promise<void> {
    const data = concatBytes(
      encodePinBcd(requireValidPin(oldPin, 'old PIN')),
      Uint8Array.of(0xff),
      encodePinBcd(requireValidPin(newPin, 'new PIN')),
    );
    await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0x5e, p1: 0x01, p2: 0x00, data }), { context: 'changing the PIN' });
  }

  /**
   * Issuer: resets the try counter of a blocked PIN: EXTERNAL AUTHENTICATE with PUK, then PIN
   * CHANGE/UNBLOCK `84 24 00 00 04 MAC` under STK (P5 §6.8).
   */
  async unblockPin(keys: KeyProvider): Promise<void> {
    await this.maintenance('PUK', keys, (security) =>
      security.transmitProtected({ cla: 0x84, ins: 0x24, p1: 0x00, p2: 0x00 }, 'STK', { context: 'unblocking the PIN' }),
    );
  }

  /**
   * Issuer: a new PIN and a full try counter: EXTERNAL AUTHENTICATE with PUK, then PIN
   * CHANGE/UNBLOCK `84 24 00 01 0C|14 encrypted(LD ‖ PIN ‖ pad) ‖ MAC` under STK (P5 §6.8, the
   * form of the real card log). `newPin` may come later (a promise): it is awaited after the authentication.
   */
  async reloadPin(newPin: string | Promise<string>, keys: KeyProvider): Promise<void> {
    if (typeof newPin === 'string') requireValidPin(newPin, 'new PIN');
    await this.maintenance('PUK', keys, async (security) =>
      security.transmitProtected({ cla: 0x84, ins: 0x24, p1: 0x00, p2: 0x01 }, 'STK', {
        // A PIN still to come is typed after the authentication (SC fn 6.3: Step2 authenticates, then asks).
        plaintext: encodePinBcd(requireValidPin(await newPin, 'new PIN')),
        context: 'reloading the PIN',
      }),
    );
  }

  // --- issuer: blocks --------------------------------------------------------------------------------

  /**
   * Issuer: blocks the social security application for good (P5 §6.1: there is no unblock):
   * EXTERNAL AUTHENTICATE with BK, then `84 1E 00 01 04 MAC`. Afterwards SELECT answers 9303.
   */
  async blockApplication(keys: KeyProvider): Promise<void> {
    await this.maintenance('BK', keys, (security) =>
      security.transmitProtected({ cla: 0x84, ins: 0x1e, p1: 0x00, p2: 0x01 }, 'STK', { context: 'blocking the application' }),
    );
  }

  /** Issuer: blocks the whole card for good (`84 16 00 00 04 MAC` after BK); then every command answers 6A81. */
  async blockCard(keys: KeyProvider): Promise<void> {
    await this.maintenance('BK', keys, (security) =>
      security.transmitProtected({ cla: 0x84, ins: 0x16, p1: 0x00, p2: 0x00 }, 'STK', { context: 'blocking the card' }),
    );
  }

  /**
   * Issuer/outlet: rewrites records of an SSSE EF by tag (UPDATE RECORD by identifier, P5 §6.13)
   * after EXTERNAL AUTHENTICATE with UKSSSE; `secureMessaging` adds CLA 04 and a MAC under STK.
   * Each value is the record's content without its tag and length.
   */
  async updateRecords(
    ef: keyof typeof EF,
    values: Array<{ tag: number; value: Uint8Array }>,
    keys: KeyProvider,
    options: { secureMessaging?: boolean } = {},
  ): Promise<void> {
    const sfi = EF[ef].sfi;
    await this.maintenance('UKSSSE', keys, async (security) => {
      for (const { tag, value } of values) {
        const record = concatBytes(Uint8Array.of(tag, value.length), value);
        const context = `updating tag ${tag.toString(16).toUpperCase().padStart(2, '0')} of EF${sfi.toString(16).padStart(2, '0')}`;
        if (options.secureMessaging) {
          await security.transmitProtected({ cla: 0x04, ins: 0xdc, p1: tag, p2: sfi << 3 }, 'STK', { clearData: record, context });
        } else {
          await this.channel.transmit(new CommandApdu({ cla: 0x00, ins: 0xdc, p1: tag, p2: sfi << 3, data: record }), { context });
        }
      }
    });
    this.currentEf = undefined;
  }

  /**
   * A maintenance operation (P7 §13): SSSE selected, EXTERNAL AUTHENTICATE with its control key,
   * then `operation` — all in one exclusive section, so no other program's command comes between.
   */
  private async maintenance<T>(
    control: keyof typeof SSSE_KEYS,
    keys: KeyProvider,
    operation: (security: SecureMessaging) => Promise<T>,
  ): Promise<T> {
    const security = await this.security(keys);
    return this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      await security.externalAuthenticate(control, SSSE_KEYS[control]);
      return operation(security);
    });
  }

  // --- photo and fingerprint --------------------------------------------------------------------------

  /** The cardholder photo (JPEG bytes), after EXTERNAL AUTHENTICATE with RKSSSE. */
  async readPhoto(keys: KeyProvider): Promise<Uint8Array> {
    const file = await this.channel.exclusive(async () => {
      await this.externalAuthenticate('RKSSSE', keys);
      return this.readTransparent(EF.photo.fid, PHOTO_SIZE);
    });
    if (file[0] !== 0xff || file[1] !== 0xd8) throw new BadResponseError('EF08 does not hold a JPEG (no FFD8 start marker)');
    // The file is padded after the image: cut at the last end-of-image marker.
    for (let i = file.length - 2; i > 1; i--) if (file[i] === 0xff && file[i + 1] === 0xd9) return file.slice(0, i + 2);
    throw new BadResponseError('the photo in EF08 has no JPEG end marker (FFD9)');
  }

  /** The fingerprint template (EF07, 0x300 bytes), after EXTERNAL AUTHENTICATE with RKSSSE. */
  async readFingerprint(keys: KeyProvider): Promise<Uint8Array> {
    return this.channel.exclusive(async () => {
      await this.externalAuthenticate('RKSSSE', keys);
      return this.readTransparent(EF.fingerprint.fid, FINGERPRINT_SIZE);
    });
  }

  // --- medical insurance (DF04) ----------------------------------------------------------------------

  /**
   * Selects DF04 and verifies the PIN there (its security status is DF04's own), the caller's or
   * the one typed on the reader's pad (ON_PIN_PAD). The medical
   * session re-reads the card identifier and number through this session to recover a lost answer.
   */
  async openMedical(pin: PinSource): Promise<MedicalSession> {
    if (pin !== ON_PIN_PAD) requireValidPin(pin);
    const card = {
      diversification: async () => {
        if (!this.atr) throw new BadResponseError('the card keys are diversified with the ATR: open the session with { atr }');
        return { regionCode: await this.regionCode(), historicalBytes: decodeAtr(this.atr).historicalBytes };
      },
      identify: async () => {
        await this.reselect();
        const data = await this.readCardData();
        this.region ??= data.regionCode;
        this.currentEf = undefined;
        this.inSubDf = true;
        return `${data.cardIdentifier}/${data.cardNumber}`;
      },
    };
    return MedicalSession.open(this.channel, pin, card);
  }

  // --- records and files -------------------------------------------------------------------------------

  /**
   * Reads items by the reader interface's file address (card-spec §10.3), e.g.
   * `SSSEEF05|01|07|$DF01EF15|2A|40:2|$`: per file its access rule — the PIN, the file's RK key
   * through `access.keys`, or both for "PIN & RK" files (card-spec §2.5).
   */
  async readItems(address: string, access: ItemsAccess = {}): Promise<FileItems[]> {
    return readItems(this.fileItemsCard(), address, access);
  }

  /** Writes items by file address after EXTERNAL AUTHENTICATE with each file's UK key (`access.keys`). */
  async writeItems(address: string, values: Uint8Array[] | Promise<Uint8Array[]>, access: ItemsAccess): Promise<void> {
    return writeItems(this.fileItemsCard(), address, values, access);
  }

  private fileItemsCard(): FileItemsCard {
    return {
      channel: this.channel,
      specVersion: async () => (this.cardData ?? (await this.readCardData())).specVersion,
      enter: async (application) => {
        // The keys are diversified with the region: learn it while SSSE is current.
        if (this.atr) await this.regionCode();
        await this.reselect();
        if (application !== 'SSSE') {
          const fid = 0xdf00 | Number.parseInt(application.slice(2), 16);
          await this.channel.transmit(selectByFid(fid, 0x01), { context: `selecting ${application}` });
        }
        this.currentEf = undefined;
        this.inSubDf = true;
      },
      security: (keys) => this.security(keys),
    };
  }

  /** Reads the first record with `tag` from the EF `fid`, checking that the answer is that tag's TLV. */
  async readTaggedRecord(fid: number, tag: number): Promise<Uint8Array> {
    const value = await this.readOptionalTaggedRecord(fid, tag, false);
    return value as Uint8Array;
  }

  /** As readTaggedRecord, but a record the card does not have (6A83) is `undefined`. */
  async readOptionalTaggedRecord(fid: number, tag: number, optional = true): Promise<Uint8Array | undefined> {
    // SELECT and READ RECORD in one exclusive section: no other command may change the current EF between.
    const r = await this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      if (this.currentEf !== fid) {
        await this.channel.transmit(selectByFid(fid, 0x02), { context: `selecting EF ${fid.toString(16).toUpperCase()}` });
        this.currentEf = fid;
      }
      // The exact Le where V2 gives the length (a wrong one is corrected by the channel's 6Cxx handling).
      const valueLength = TAG_VALUE_LENGTH[tag];
      return this.channel.transmitRaw(readRecordByTag(tag, 0, valueLength === undefined ? 256 : 2 + valueLength));
    });
    if (optional && r.sw === 0x6a83) return undefined;
    const what = `reading tag ${tag.toString(16).toUpperCase().padStart(2, '0')} of EF ${fid.toString(16).toUpperCase()}`;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, what);
    return tlvRecordValue(r.data, tag, what);
  }

  /** Reads a whole transparent EF by its file id, in chunks every reader can carry. */
  async readTransparent(fid: number, size: number, chunk = 0xe0): Promise<Uint8Array> {
    return this.channel.exclusive(async () => {
      await this.ensureSsseSelected();
      await this.channel.transmit(selectByFid(fid, 0x02), { context: `selecting EF ${fid.toString(16).toUpperCase()}` });
      this.currentEf = fid;
      const parts: Uint8Array[] = [];
      for (let offset = 0; offset < size; offset += chunk) {
        const n = Math.min(chunk, size - offset);
        parts.push(
          await this.channel.transmit(readBinary(offset, n), { context: `reading EF ${fid.toString(16).toUpperCase()} at ${offset}` }),
        );
      }
      return concatBytes(...parts);
    });
  }

  private async readRegionCode(): Promise<string> {
    const identifier = await this.readTaggedRecord(EF.cardData.fid, TAG.cardIdentifier);
    return decodeBcdDigits(identifier.subarray(0, 3), 'region code');
  }
}

/** The algorithm id inside the SSSE FCI: `6F { A5 { 9F0C { 86 01 xx } } }` (card-spec §2.2). */
function fciAlgorithmId(fci: Uint8Array): number | undefined {
  if (fci.length === 0) return undefined;
  try {
    const discretionary = tlvAtPath(parseTlv(fci), [0x6f, 0xa5, 0x9f0c]);
    if (discretionary === undefined) return undefined;
    const id = tlvAtPath(parseTlv(discretionary.value), [0x86]);
    return id?.value.length === 1 ? id.value[0] : undefined;
  } catch {
    throw new BadResponseError('the SSSE FCI is not valid BER-TLV');
  }
}
