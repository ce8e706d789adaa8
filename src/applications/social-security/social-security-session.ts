import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { decodeBcdDigits, decodeCn } from '../../bytes/bcd.js';
import { decodeBcdDate } from '../../bytes/bcd-date.js';
import { concatBytes } from '../../bytes/bytes.js';
import { decodeAn } from '../../bytes/gbk.js';
import { toHex } from '../../bytes/hex.js';
import { encodePinBcd } from '../../bytes/pin-bcd.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import {
  externalAuthenticate,
  getChallenge,
  readBinary,
  readRecordByTag,
  selectByFid,
  selectByName,
  verify,
  verifyStatus,
} from '../iso-commands.js';
import type { KeyProvider } from '../keys/key-provider.js';
import { checkPin } from '../pin-format.js';
import { tlvRecordValue } from '../tlv-record.js';
import type { CardData, Cardholder } from './card-records.js';
import { ISSUER_OPS, macInputFor, withMac } from './issuer-commands.js';
import { MedicalInsurance } from './medical-insurance.js';
import { EF, KEY_ID, SSSE_DF_NAME, TAG } from './ssse-constants.js';
import { ssseKeyFactors } from './ssse-key-factors.js';

export interface SocialSecurityOpenOptions {
  /** The card's ATR: its last 8 bytes diversify the card keys, its historical bytes go into readCardBas. */
  atr?: Uint8Array;
  /** Open a blocked application (SELECT answered 6283) — for the issuer, to unblock it. */
  allowBlocked?: boolean;
  /** The card's region code when EF05 cannot be read (a blocked card): it diversifies the keys. */
  regionCode?: string;
}

/** The sizes of the SSSE transparent files (card-facts §2). */
const FINGERPRINT_SIZE = 0x400;
const PHOTO_SIZE = 0x1000;

/**
 * The social security application (SSSE) of a card: what outlet kiosks and hospital POS read.
 * Reads records by tag, never by fixed record number, so spec 1.00 and 2.00+ cards both work.
 */
export class SocialSecuritySession {
  readonly channel: CardChannel;
  /** The FCI the card returned to SELECT SSSE (may be empty). */
  readonly fci: Uint8Array;
  /** True when SELECT answered 6283: the application is blocked (loss report, blacklist). */
  readonly blocked: boolean;
  private readonly atr: Uint8Array | undefined;
  private readonly knownRegionCode: string | undefined;
  private currentEf: number | undefined;
  /** Set when a sub-DF (DF04) was selected: SSSE must be selected again before its own files. */
  private inSubDf = false;
  private cardData: CardData | undefined;

  private constructor(channel: CardChannel, fci: Uint8Array, blocked: boolean, options: SocialSecurityOpenOptions) {
    this.channel = channel;
    this.fci = fci;
    this.blocked = blocked;
    this.atr = options.atr;
    this.knownRegionCode = options.regionCode;
  }

  /** Selects the SSSE DDF. 9000 and 61xx (through the channel) are success; 6A82 means no such application. */
  static async open(channel: CardChannel, options: SocialSecurityOpenOptions = {}): Promise<SocialSecuritySession> {
    const response = await channel.transmitRaw(selectByName(SSSE_DF_NAME));
    if (response.sw === 0x6a82) throw new ApplicationNotFoundError('social security (SSSE)', response.sw);
    const blocked = response.sw === 0x6283;
    if (blocked && !options.allowBlocked) {
      throw new ApduError(response.sw, response.data, 'the social security application is blocked (loss report or blacklist)');
    }
    if (response.sw !== 0x9000 && !blocked) throw new ApduError(response.sw, response.data, 'selecting the social security application');
    return new SocialSecuritySession(channel, response.data, blocked, options);
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

  async readCardData(): Promise<CardData> {
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

  async readCardholder(): Promise<Cardholder> {
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

  /**
   * The line the ministry's `iReadCardBas` returns, for integrators moving from that DLL:
   * `region|ssn|card number|card identifier|name|ATR historical bytes|spec version|issue date|expiry|`.
   */
  async readCardBas(atrHistoricalBytes: Uint8Array): Promise<string> {
    const card = await this.readCardData();
    const holder = await this.readCardholder();
    const date = (iso: string) => iso.replace(/-/g, '');
    return [
      card.regionCode,
      holder.ssn,
      card.cardNumber,
      card.cardIdentifier,
      holder.name,
      toHex(atrHistoricalBytes),
      card.specVersion,
      date(card.issueDate),
      date(card.expiryDate),
      '',
    ].join('|');
  }

  // --- PIN ---------------------------------------------------------------------------------------

  /** Verifies the cardholder PIN; a wrong PIN throws PinError with the tries left, a blocked one PinError.blocked. */
  async verifyPin(pin: string): Promise<void> {
    await this.channel.transmit(verify(encodePinBcd(checkPin(pin))), { context: 'verifying the PIN' });
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
    const data = concatBytes(encodePinBcd(checkPin(oldPin, 'old PIN')), Uint8Array.of(0xff), encodePinBcd(checkPin(newPin, 'new PIN')));
    await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0x5e, p1: 0x01, p2: 0x00, data }), { context: 'changing the PIN' });
  }

  /** Issuer: resets the try counter of a blocked PIN (`84 24` under the pin-unblock key's MAC). */
  async unblockPin(keys: KeyProvider): Promise<void> {
    await this.issuerCommand(ISSUER_OPS.unblockPin, new Uint8Array(0), keys, 'unblocking the PIN');
  }

  /** Issuer: sets a new PIN and a full try counter (`84 5E 00` under the pin-reload key's MAC). */
  async reloadPin(newPin: string, keys: KeyProvider): Promise<void> {
    await this.issuerCommand(ISSUER_OPS.reloadPin, encodePinBcd(checkPin(newPin, 'new PIN')), keys, 'reloading the PIN');
  }

  // --- issuer: application block (loss report) ------------------------------------------------------

  /** Issuer: blocks SSSE (loss report, blacklist); afterwards SELECT answers 6283. */
  async blockApplication(keys: KeyProvider, options: { permanent?: boolean } = {}): Promise<void> {
    const op = options.permanent ? ISSUER_OPS.blockApplicationPermanently : ISSUER_OPS.blockApplication;
    await this.issuerCommand(op, new Uint8Array(0), keys, 'blocking the application');
  }

  /** Issuer: unblocks SSSE (open the session with `allowBlocked`). */
  async unblockApplication(keys: KeyProvider): Promise<void> {
    await this.issuerCommand(ISSUER_OPS.unblockApplication, new Uint8Array(0), keys, 'unblocking the application');
  }

  // --- keys ----------------------------------------------------------------------------------------

  /**
   * EXTERNAL AUTHENTICATE with a card key (0A photo/fingerprint, 04 update, 84 medical): the
   * terminal encrypts the card's challenge under the per-card key its KeyProvider derives.
   */
  async externalAuthenticate(keyId: number, keys: KeyProvider): Promise<void> {
    await this.ensureSsseSelected();
    const ref = { application: 'ssse', name: keyId.toString(16).toUpperCase().padStart(2, '0') };
    const algorithm = await keys.algorithm(ref);
    const blockLength = algorithm === 'sm4' ? 16 : 8;
    const challenge = await this.channel.transmit(getChallenge(blockLength), { context: 'GET CHALLENGE' });
    const block = new Uint8Array(blockLength);
    block.set(challenge.subarray(0, blockLength));
    const cryptogram = await keys.encrypt(ref, await this.keyFactors(), block);
    await this.channel.transmit(externalAuthenticate(keyId, cryptogram), { context: `authenticating with key ${ref.name}` });
  }

  /** The per-card diversification factors (region from EF05, card from the ATR). */
  async keyFactors(): Promise<Uint8Array[]> {
    if (!this.atr) throw new BadResponseError('the card keys are diversified with the ATR: open the session with { atr }');
    const region = this.knownRegionCode ?? this.cardData?.regionCode ?? (await this.readRegionCode());
    return ssseKeyFactors(region, this.atr);
  }

  // --- photo and fingerprint --------------------------------------------------------------------------

  /** The cardholder photo (JPEG bytes), after EXTERNAL AUTHENTICATE with key 0A. */
  async readPhoto(keys: KeyProvider): Promise<Uint8Array> {
    await this.externalAuthenticate(KEY_ID.photoRead, keys);
    const file = await this.readTransparent(EF.photo.fid, PHOTO_SIZE);
    if (file[0] !== 0xff || file[1] !== 0xd8) throw new BadResponseError('EF08 does not hold a JPEG (no FFD8 start marker)');
    // The file is padded after the image: cut at the last end-of-image marker.
    for (let i = file.length - 2; i > 1; i--) if (file[i] === 0xff && file[i + 1] === 0xd9) return file.slice(0, i + 2);
    throw new BadResponseError('the photo in EF08 has no JPEG end marker (FFD9)');
  }

  /** The fingerprint template (EF07, 1 KiB), after EXTERNAL AUTHENTICATE with key 0A. */
  async readFingerprint(keys: KeyProvider): Promise<Uint8Array> {
    await this.externalAuthenticate(KEY_ID.photoRead, keys);
    return this.readTransparent(EF.fingerprint.fid, FINGERPRINT_SIZE);
  }

  // --- medical insurance (DF04) ----------------------------------------------------------------------

  /** Selects DF04 and verifies the PIN there (its security status is DF04's own). */
  async openMedical(pin: string): Promise<MedicalInsurance> {
    checkPin(pin);
    await this.ensureSsseSelected();
    const factors = this.atr ? await this.keyFactors() : undefined;
    this.currentEf = undefined;
    this.inSubDf = true;
    return MedicalInsurance.open(this.channel, pin, factors);
  }

  // --- records and files -------------------------------------------------------------------------------

  /** Reads the first record with `tag` from the EF `fid`, checking that the answer is that tag's TLV. */
  async readTaggedRecord(fid: number, tag: number): Promise<Uint8Array> {
    const value = await this.readOptionalTaggedRecord(fid, tag, false);
    return value as Uint8Array;
  }

  /** As readTaggedRecord, but a record the card does not have (6A83) is `undefined`. */
  async readOptionalTaggedRecord(fid: number, tag: number, optional = true): Promise<Uint8Array | undefined> {
    await this.ensureSsseSelected();
    if (this.currentEf !== fid) {
      await this.channel.transmit(selectByFid(fid, 0x02), { context: `selecting EF ${fid.toString(16).toUpperCase()}` });
      this.currentEf = fid;
    }
    const r = await this.channel.transmitRaw(readRecordByTag(tag));
    if (optional && r.sw === 0x6a83) return undefined;
    const what = `reading tag ${tag.toString(16).toUpperCase().padStart(2, '0')} of EF ${fid.toString(16).toUpperCase()}`;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, what);
    return tlvRecordValue(r.data, tag, what);
  }

  /** Reads a whole transparent EF by its file id, in chunks every reader can carry. */
  async readTransparent(fid: number, size: number, chunk = 0xe0): Promise<Uint8Array> {
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
  }

  private async readRegionCode(): Promise<string> {
    const identifier = await this.readTaggedRecord(EF.cardData.fid, TAG.cardIdentifier);
    return decodeBcdDigits(identifier.subarray(0, 3), 'region code');
  }

  private async issuerCommand(
    op: { cla: number; ins: number; p1: number; p2: number; key: string },
    data: Uint8Array,
    keys: KeyProvider,
    what: string,
  ): Promise<void> {
    await this.ensureSsseSelected();
    const factors = await this.keyFactors();
    const challenge = await this.channel.transmit(getChallenge(8), { context: 'GET CHALLENGE' });
    const mac = await keys.commandMac(
      { application: 'ssse', name: op.key },
      factors,
      challenge,
      macInputFor(op.cla, op.ins, op.p1, op.p2, data),
    );
    await this.channel.transmit(withMac(op.cla, op.ins, op.p1, op.p2, data, mac), { context: what });
  }
}
