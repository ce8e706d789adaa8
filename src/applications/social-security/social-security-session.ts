import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { decodeCn, decodeBcdDigits } from '../../bytes/bcd.js';
import { decodeBcdDate } from '../../bytes/bcd-date.js';
import { concatBytes } from '../../bytes/bytes.js';
import { decodeAn } from '../../bytes/gbk.js';
import { toHex } from '../../bytes/hex.js';
import { parseTlv } from '../../bytes/tlv.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import { readBinary, readRecordByTag, selectByFid, selectByName, verify, verifyStatus } from '../iso-commands.js';
import { checkPin, pinToBcd } from '../pin-format.js';
import type { CardData, Cardholder } from './card-records.js';
import { EF, SSSE_DF_NAME, TAG } from './ssse-constants.js';

/**
 * The social security application (SSSE) of a card: what outlet kiosks and hospital POS read.
 * Reads records by tag, never by fixed record number, so spec 1.00 and 2.00+ cards both work.
 */
export class SocialSecuritySession {
  readonly channel: CardChannel;
  /** The FCI the card returned to SELECT SSSE (may be empty). */
  readonly fci: Uint8Array;
  private currentEf: number | undefined;

  private constructor(channel: CardChannel, fci: Uint8Array) {
    this.channel = channel;
    this.fci = fci;
  }

  /** Selects the SSSE DDF. 9000 and 61xx (through the channel) are success; 6A82 means no such application. */
  static async open(channel: CardChannel): Promise<SocialSecuritySession> {
    const response = await channel.transmitRaw(selectByName(SSSE_DF_NAME));
    if (response.sw === 0x6a82) throw new ApplicationNotFoundError('social security (SSSE)', response.sw);
    if (response.sw === 0x6283) throw new ApduError(response.sw, response.data, 'the social security application is blocked (loss report or blacklist)');
    if (response.sw !== 0x9000) throw new ApduError(response.sw, response.data, 'selecting the social security application');
    return new SocialSecuritySession(channel, response.data);
  }

  /** Selects SSSE again (after working in a sub-DF such as DF04). */
  async reselect(): Promise<void> {
    await this.channel.transmit(selectByName(SSSE_DF_NAME), { context: 'selecting the social security application' });
    this.currentEf = undefined;
  }

  async readCardData(): Promise<CardData> {
    const identifier = await this.readTaggedRecord(EF.cardData.fid, TAG.cardIdentifier);
    if (identifier.length !== 16) throw new BadResponseError(`card identifier has ${identifier.length} bytes, expected 16`);
    return {
      cardIdentifier: toHex(identifier),
      regionCode: decodeBcdDigits(identifier.subarray(0, 3), 'region code'),
      cardType: decodeAn(await this.readTaggedRecord(EF.cardData.fid, TAG.cardType)),
      specVersion: decodeAn(await this.readTaggedRecord(EF.cardData.fid, TAG.specVersion)),
      issuingOrg: decodeCn(await this.readTaggedRecord(EF.cardData.fid, TAG.issuingOrg), 'issuing organisation'),
      issueDate: decodeBcdDate(await this.readTaggedRecord(EF.cardData.fid, TAG.issueDate)),
      expiryDate: decodeBcdDate(await this.readTaggedRecord(EF.cardData.fid, TAG.expiryDate)),
      cardNumber: decodeAn(await this.readTaggedRecord(EF.cardData.fid, TAG.cardNumber)),
    };
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

  /** Verifies the cardholder PIN; a wrong PIN throws PinError with the tries left, a blocked one PinError.blocked. */
  async verifyPin(pin: string): Promise<void> {
    await this.channel.transmit(verify(pinToBcd(checkPin(pin))), { context: 'verifying the PIN' });
  }

  /** The tries left, asked without spending one (VERIFY with no data). */
  async pinTriesLeft(): Promise<number> {
    const r = await this.channel.transmitRaw(verifyStatus());
    if ((r.sw & 0xfff0) === 0x63c0) return r.sw & 0x0f;
    if (r.sw === 0x6983) return 0;
    if (r.sw === 0x9000) throw new BadResponseError('the card answered 9000 to a PIN status query: the PIN is already verified in this session');
    throw new ApduError(r.sw, r.data, 'asking the PIN tries left');
  }

  /** The cardholder changes the PIN: `80 5E 01 00 07 old ‖ FF ‖ new` (card-facts §4). */
  async changePin(oldPin: string, newPin: string): Promise<void> {
    const data = concatBytes(pinToBcd(checkPin(oldPin, 'old PIN')), Uint8Array.of(0xff), pinToBcd(checkPin(newPin, 'new PIN')));
    await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0x5e, p1: 0x01, p2: 0x00, data }), { context: 'changing the PIN' });
  }

  /** Reads the first record with `tag` from the EF `fid`, checking that the answer is that tag's TLV. */
  async readTaggedRecord(fid: number, tag: number): Promise<Uint8Array> {
    const value = await this.readOptionalTaggedRecord(fid, tag, false);
    return value as Uint8Array;
  }

  /** As readTaggedRecord, but a record the card does not have (6A83) is `undefined`. */
  async readOptionalTaggedRecord(fid: number, tag: number, optional = true): Promise<Uint8Array | undefined> {
    if (this.currentEf !== fid) {
      await this.channel.transmit(selectByFid(fid, 0x02), { context: `selecting EF ${fid.toString(16).toUpperCase()}` });
      this.currentEf = fid;
    }
    const r = await this.channel.transmitRaw(readRecordByTag(tag));
    if (optional && r.sw === 0x6a83) return undefined;
    const what = `reading tag ${tag.toString(16).toUpperCase().padStart(2, '0')} of EF ${fid.toString(16).toUpperCase()}`;
    if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, what);
    const objects = parseTlv(r.data, { recursive: false, allowPadding: false });
    const hit = objects[0];
    if (!hit || hit.tag !== tag) throw new BadResponseError(`${what}: the card answered a record with tag ${hit?.tagHex ?? 'none'}`);
    return hit.value;
  }

  /** Reads a whole transparent EF by its file id, in chunks the reader can carry. */
  async readTransparent(fid: number, size: number, chunk = 0xe0): Promise<Uint8Array> {
    await this.channel.transmit(selectByFid(fid, 0x02), { context: `selecting EF ${fid.toString(16).toUpperCase()}` });
    this.currentEf = fid;
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < size; offset += chunk) {
      const n = Math.min(chunk, size - offset);
      parts.push(await this.channel.transmit(readBinary(offset, n), { context: `reading EF ${fid.toString(16).toUpperCase()} at ${offset}` }));
    }
    return concatBytes(...parts);
  }
}
