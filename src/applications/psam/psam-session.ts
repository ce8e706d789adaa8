import { BadResponseError, errorForStatus } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { decodeCn } from '../../bytes/bcd.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../bytes/bytes.js';
import { fromHex } from '../../bytes/hex.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { SecurityError } from '../../errors.js';
import { readBinary, selectByFid, selectByName } from '../iso-commands.js';
import type { PurchaseInitRequest, PurchaseInitResult } from '../medical/purchase-security.js';
import type { PsamKeyReference } from './psam-key-references.js';

/** The PSAM application's AID in every environment (card-spec §9.1). */
export const PSAM_AID = fromHex('D15600000590');
const MF = 0x3f00;
const EF = { serial: 0x0015, terminalNumber: 0x0016, terminalSeq: 0x0019, national: 0x001a, provincial: 0x001b, city: 0x001c };
/** CIPHER DATA takes at most 8 blocks per command (card-spec §9.3: DES Lc ≤ 40, SM4/SSF33 ≤ 80). */
const MAX_BLOCKS = 8;
const CIPHER_DATA = { encryptLast: 0x00, encryptMore: 0x02, macOnly: 0x05, macFirst: 0x07, macMiddle: 0x03, macLast: 0x01 };
/** CREDIT SAM FOR PURCHASE's answers to a wrong MAC2: the table's 9302 and the text's 63CF (card-spec §11.4). */
const MAC2_REFUSED = [0x9302, 0x63cf];

/** One of 001A/001B/001C: the key versions of the national, provincial or city keys. */
export interface PsamKeyVersions {
  purchaseKeyVersion: number;
  authenticationKeyVersion: number;
  /** CCYYMMDD. */
  start: string;
  expiry: string;
}

/** What the PSAM's environment files say (card-spec §9.1). */
export interface PsamInfo {
  issuerId: number;
  /** 20 digits. */
  serial: string;
  version: number;
  keyCardType: number;
  /** 12 digits: the region and a number the PSAM issuer gave: the terminal id of medical purchases. */
  terminalNumber: string;
  /** The sequence the next purchase gets. */
  terminalSeq: number;
  keyVersions: { national: PsamKeyVersions; provincial: PsamKeyVersions; city: PsamKeyVersions };
}

/** INIT SAM FOR PURCHASE's data (card-spec §9.3): the purchase, and the card's factors innermost (card) first. */
export type PsamPurchaseInit = Omit<PurchaseInitRequest, 'card'> & { factors: Uint8Array[] };

/**
 * A PSAM (card-spec §9) on any transport — a second reader, a reader's SAM slot, the emulated
 * `psam-default`: reads its environment files, then works in its application DF01. It computes
 * with keys it never gives out: DELIVERY SESSION KEY + CIPHER DATA, INIT/CREDIT SAM FOR PURCHASE.
 * A sequence whose meaning depends on the key just delivered runs in `channel.exclusive()`.
 * PsamKeyProvider and PsamPurchaseSecurity build the SDK's interfaces on it.
 */
export class PsamSession {
  private constructor(
    readonly channel: CardChannel,
    readonly info: PsamInfo,
  ) {}

  /** SELECT 3F00, READ BINARY 0015/0016/0019/001A–001C, SELECT DF01. */
  static open(channel: CardChannel): Promise<PsamSession> {
    return channel.exclusive(() => PsamSession.readEnvironment(channel));
  }

  private static async readEnvironment(channel: CardChannel): Promise<PsamSession> {
    await channel.transmit(selectByFid(MF), { context: 'selecting the PSAM environment' });
    const read = async (fid: number, length: number) => {
      const name = fid.toString(16).padStart(4, '0');
      await channel.transmit(selectByFid(fid, 0x02), { context: `selecting PSAM EF ${name}` });
      return channel.transmit(readBinary(0, length), { context: `reading PSAM EF ${name}` });
    };
    const serial = await read(EF.serial, 15);
    const versions = async (fid: number): Promise<PsamKeyVersions> => {
      const v = await read(fid, 10);
      return {
        purchaseKeyVersion: v[0]!,
        authenticationKeyVersion: v[1]!,
        start: decodeCn(v.subarray(2, 6), 'start date'),
        expiry: decodeCn(v.subarray(6, 10), 'expiry date'),
      };
    };
    const info: PsamInfo = {
      issuerId: serial[0]!,
      serial: decodeCn(serial.subarray(1, 11), 'PSAM serial'),
      version: serial[11]!,
      keyCardType: serial[12]!,
      terminalNumber: decodeCn(await read(EF.terminalNumber, 6), 'terminal number'),
      terminalSeq: bytesToUint(await read(EF.terminalSeq, 4)),
      keyVersions: { national: await versions(EF.national), provincial: await versions(EF.provincial), city: await versions(EF.city) },
    };
    await channel.transmit(selectByName(PSAM_AID), { context: 'selecting the PSAM application' });
    return new PsamSession(channel, info);
  }

  /** The terminal number as the 6 bytes MAC1 and the user card's INITIALIZE FOR PURCHASE take. */
  terminalId(): Uint8Array {
    return fromHex(this.info.terminalNumber);
  }

  /** INITIALIZE ENVIRONMENT with the first byte of the user card's identifier (its province). */
  initializeEnvironment(province: number): Promise<void> {
    const data = Uint8Array.of(province);
    return this.channel.exclusive(async () => {
      await this.channel.transmit(new CommandApdu({ cla: 0xbf, ins: 0xec, p1: 0, p2: 0, data }), {
        context: 'initializing the PSAM environment',
      });
      await this.channel.transmit(selectByName(PSAM_AID), { context: 'selecting the PSAM application' });
    });
  }

  /**
   * DELIVERY SESSION KEY: the PSAM diversifies its key `ref` with `factors` (innermost — the card —
   * first, as many as the key's levels) and derives the session key over `sessionFactor` (8 bytes
   * for DES keys, 16 for SM4). CIPHER DATA then works under it.
   */
  async deliverSessionKey(ref: PsamKeyReference, factors: Uint8Array[], sessionFactor: Uint8Array, context: string): Promise<void> {
    const data = concatBytes(...factors, sessionFactor);
    await this.channel.transmit(new CommandApdu({ cla: 0xbf, ins: 0xde, p1: ref.usage, p2: ref.id, data }), { context });
  }

  /** CIPHER DATA encryption (ECB) of whole blocks under the delivered session key. */
  async encrypt(blocks: Uint8Array, blockSize: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const chunk = MAX_BLOCKS * blockSize;
    for (let offset = 0; offset < blocks.length; offset += chunk) {
      const last = offset + chunk >= blocks.length;
      const p1 = last ? CIPHER_DATA.encryptLast : CIPHER_DATA.encryptMore;
      parts.push(await this.cipherData(p1, blocks.subarray(offset, offset + chunk), 'encrypting with the PSAM'));
    }
    const out = concatBytes(...parts);
    if (out.length !== blocks.length) throw new BadResponseError(`the PSAM encrypted ${blocks.length} bytes into ${out.length}`);
    return out;
  }

  /** CIPHER DATA MAC over whole (already padded) blocks from `iv`: the 4-byte MAC of card-spec §5.3. */
  async mac(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
    const mac = await this.chainedMac(iv, blocks);
    if (mac.length !== 4) throw new BadResponseError(`the PSAM answered a MAC of ${mac.length} bytes, expected 4`);
    return mac;
  }

  private chainedMac(iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
    const chunk = MAX_BLOCKS * iv.length;
    const context = 'computing a MAC with the PSAM';
    if (blocks.length + iv.length <= chunk) return this.cipherData(CIPHER_DATA.macOnly, concatBytes(iv, blocks), context);
    // A chained MAC (07, 03…, 01) holds the PSAM until its last part.
    return this.channel.exclusive(async () => {
      const first = chunk - iv.length;
      await this.cipherData(CIPHER_DATA.macFirst, concatBytes(iv, blocks.subarray(0, first)), context);
      for (let offset = first; ; offset += chunk) {
        if (offset + chunk >= blocks.length) return this.cipherData(CIPHER_DATA.macLast, blocks.subarray(offset), context);
        await this.cipherData(CIPHER_DATA.macMiddle, blocks.subarray(offset, offset + chunk), context);
      }
    });
  }

  /** INIT SAM FOR PURCHASE: the terminal transaction sequence and MAC1 (card-spec §7.3 step 2). */
  async initPurchase(request: PsamPurchaseInit): Promise<PurchaseInitResult> {
    const data = concatBytes(
      request.cardRandom,
      uintToBytes(request.offlineSeq, 2),
      uintToBytes(request.accountFen, 4),
      uintToBytes(request.selfPayFen, 4),
      uintToBytes(request.poolingFen, 4),
      Uint8Array.of(request.type),
      request.time,
      Uint8Array.of(request.keyVersion, request.algorithmId),
      ...request.factors,
    );
    const answer = await this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0x70, p1: 0x01, p2: 0x00, data, le: 8 }), {
      context: 'INIT SAM FOR PURCHASE',
    });
    if (answer.length !== 8) throw new BadResponseError(`INIT SAM FOR PURCHASE answered ${answer.length} bytes, expected 8`);
    return { terminalSeq: bytesToUint(answer.subarray(0, 4)), mac1: answer.slice(4) };
  }

  /** CREDIT SAM FOR PURCHASE: the PSAM checks the card's MAC2; a refusal is a SecurityError. */
  async creditPurchase(mac2: Uint8Array): Promise<void> {
    const command = new CommandApdu({ cla: 0x80, ins: 0x72, p1: 0x00, p2: 0x00, data: mac2 });
    const response = await this.channel.transmitRaw(command);
    if (response.sw === 0x9000) return;
    if (MAC2_REFUSED.includes(response.sw)) throw new SecurityError("the PSAM refused the card's MAC2: the purchase is not proven");
    throw errorForStatus(response.sw, command.ins, response.data, 'CREDIT SAM FOR PURCHASE');
  }

  private cipherData(p1: number, data: Uint8Array, context: string): Promise<Uint8Array> {
    return this.channel.transmit(new CommandApdu({ cla: 0x80, ins: 0xfa, p1, p2: 0x00, data, le: 256 }), { context });
  }
}
