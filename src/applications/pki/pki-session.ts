import { ApduError, BadResponseError } from '../../apdu/apdu-error.js';
import { toHex } from '../../bytes/hex.js';
import { encodePinBcd } from '../../bytes/pin-bcd.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { pinProof } from '../../crypto/key-derivation.js';
import { sm2CiphertextFromDer } from '../../crypto/sm2-encrypt.js';
import { SM2_DEFAULT_USER_ID, Sm2PublicKey, type Sm2UserId } from '../../crypto/sm2-keys.js';
import { sm2ConvertSignature, sm2Verify } from '../../crypto/sm2-sign.js';
import { createSm3 } from '../../crypto/sm3.js';
import { InputError } from '../../errors.js';
import { ApplicationNotFoundError } from '../application-not-found-error.js';
import { getChallenge, readBinary, selectByFid, selectByName } from '../iso-commands.js';
import { type PkiCertificate, parseCertificate } from './pki-certificate.js';
import * as cmd from './pki-commands.js';
import { PKI_CERT_ADF_NAME, PKI_DDF_NAME, PKI_KEYS, type PkiKeyRole, type PkiPin } from './pki-constants.js';

/** A certificate as read from the card, with the key pair it belongs to. */
export interface CardCertificate extends PkiCertificate {
  role: PkiKeyRole;
  /** The EF it was read from, e.g. "0018". */
  fileId: string;
}

export interface PkiSignOptions {
  /** SM2 user id for Z; default 1234567812345678. */
  userId?: Sm2UserId;
}

export interface PkiSignature {
  /** SEQUENCE { r, s }, as OpenSSL and X.509 use it. */
  der: Uint8Array;
  /** r ‖ s, 64 bytes, as the card returned it. */
  raw: Uint8Array;
  /** e = SM3(Z ‖ M), what the card signed. */
  digest: Uint8Array;
  /** The card's signature public key, 04‖x‖y, that verifies it. */
  publicKey: Uint8Array;
}

/** Short APDUs only: C1 (65) + C3 (32) + C2 must fit in 255 bytes. */
const MAX_ENVELOPE = 255;
const READ_CHUNK = 256;
const WRITE_CHUNK = 240;

/**
 * The 3rd-generation PKI application (card-facts §6): PINs proven with SM3/SM4 instead of sent,
 * certificates in EF 0018/0019, SM2 signature and decryption with keys that never leave the card.
 * Command formats: emulator/applications/pki/README.md.
 */
export class PkiSession {
  readonly channel: CardChannel;
  private readonly publicKeys = new Map<PkiKeyRole, Uint8Array>();

  private constructor(channel: CardChannel) {
    this.channel = channel;
  }

  /** Selects DDF "PKI.社会保障", then ADF "SS.CERT.ADF1". 6A82: the card has no PKI application. */
  static async open(channel: CardChannel): Promise<PkiSession> {
    for (const [name, label] of [
      [PKI_DDF_NAME, 'PKI (DDF PKI.社会保障)'],
      [PKI_CERT_ADF_NAME, 'PKI certificate (ADF SS.CERT.ADF1)'],
    ] as const) {
      const r = await channel.transmitRaw(selectByName(name));
      if (r.sw === 0x6a82) throw new ApplicationNotFoundError(label, r.sw);
      if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `selecting the ${label} application`);
    }
    return new PkiSession(channel);
  }

  // --- PINs ----------------------------------------------------------------------------------------

  /**
   * Proves the user (81) or admin (82) PIN: GET CHALLENGE (16 bytes), then VERIFY with
   * SM4-ECB(first 16 bytes of SM3(PIN BCD), challenge). The PIN never goes to the card.
   * A wrong PIN throws PinError with the tries left.
   */
  async verifyPin(pin: string, which: PkiPin = 'user'): Promise<void> {
    // GET CHALLENGE → proof: the card checks the proof against the challenge it just gave.
    return this.channel.exclusive(async () => {
      encodePinBcd(pin); // digits, 4..16: an InputError that never repeats the PIN
      const challenge = await this.channel.transmit(getChallenge(16), { context: 'GET CHALLENGE' });
      if (challenge.length !== 16) throw new BadResponseError(`GET CHALLENGE returned ${challenge.length} bytes, expected 16`);
      const proof = pinProof(pin, challenge);
      try {
        await this.channel.transmit(cmd.verifyPinProof(which, proof), { context: `verifying the PKI ${which} PIN` });
      } finally {
        proof.fill(0);
      }
    });
  }

  /** Tries left of a PIN, asked without spending one; 0 when blocked. */
  async pinTriesLeft(which: PkiPin = 'user'): Promise<number> {
    const r = await this.channel.transmitRaw(cmd.pinStatus(which));
    if ((r.sw & 0xfff0) === 0x63c0) return r.sw & 0x0f;
    if (r.sw === 0x6983) return 0;
    if (r.sw === 0x9000) throw new BadResponseError(`the PKI ${which} PIN is already verified in this session`);
    throw new ApduError(r.sw, r.data, `asking the tries left of the PKI ${which} PIN`);
  }

  // --- certificates --------------------------------------------------------------------------------

  /** Both certificates the card holds (signature first); an empty EF is left out. */
  async readCertificates(): Promise<CardCertificate[]> {
    const out: CardCertificate[] = [];
    for (const role of ['signature', 'encryption'] as const) {
      const cert = await this.readCertificate(role);
      if (cert !== undefined) out.push(cert);
    }
    return out;
  }

  /** The certificate in EF 0018 (signature) or 0019 (encryption); undefined when the EF holds none. */
  async readCertificate(role: PkiKeyRole): Promise<CardCertificate | undefined> {
    const der = await this.readCertificateDer(role);
    if (der === undefined) return undefined;
    return { ...parseCertificate(der), role, fileId: fid(PKI_KEYS[role].certFid) };
  }

  /** The raw DER of a certificate EF: its length comes from the DER header, the padding is not read. */
  async readCertificateDer(role: PkiKeyRole): Promise<Uint8Array | undefined> {
    // SELECT → READ BINARY…: the reads go to the file just selected.
    return this.channel.exclusive(async () => {
      const fileId = PKI_KEYS[role].certFid;
      const context = `reading the ${role} certificate (EF ${fid(fileId)})`;
      await this.channel.transmit(selectByFid(fileId, 0x02), { context });
      const head = await this.channel.transmit(readBinary(0, 4), { context });
      const total = derTotalLength(head);
      if (total === undefined) return undefined;
      const der = new Uint8Array(total);
      der.set(head.subarray(0, Math.min(head.length, total)));
      for (let offset = head.length; offset < total; ) {
        const part = await this.channel.transmit(readBinary(offset, Math.min(READ_CHUNK, total - offset)), { context });
        if (part.length === 0) throw new BadResponseError(`${context}: the card returned no data at offset ${offset}`);
        der.set(part.subarray(0, total - offset), offset);
        offset += part.length;
      }
      return der;
    });
  }

  /**
   * Issuer: writes a certificate into its EF (admin PIN verified first). The certificate must
   * certify the card's current public key of that role, so a stale one is never written.
   */
  async writeCertificate(role: PkiKeyRole, certificate: Uint8Array | string): Promise<void> {
    // SELECT → UPDATE BINARY…: the writes go to the file just selected.
    return this.channel.exclusive(async () => {
      const cert = parseCertificate(certificate);
      const publicKey = await this.exportPublicKey(role);
      if (cert.publicKey !== toHex(publicKey)) {
        throw new InputError('certificate', `the certificate does not certify the card's ${role} public key`);
      }
      const fileId = PKI_KEYS[role].certFid;
      const context = `writing the ${role} certificate (EF ${fid(fileId)})`;
      await this.channel.transmit(selectByFid(fileId, 0x02), { context });
      for (let offset = 0; offset < cert.der.length; offset += WRITE_CHUNK) {
        await this.channel.transmit(cmd.updateBinary(offset, cert.der.subarray(offset, offset + WRITE_CHUNK)), { context });
      }
    });
  }

  // --- keys ----------------------------------------------------------------------------------------

  /** The public key of the signature (default) or encryption key pair, 04‖x‖y. */
  async exportPublicKey(role: PkiKeyRole = 'signature'): Promise<Uint8Array> {
    const cached = this.publicKeys.get(role);
    if (cached !== undefined) return cached.slice();
    const bytes = await this.channel.transmit(cmd.exportPublicKey(PKI_KEYS[role].ref), { context: `exporting the ${role} public key` });
    const key = checkedPublicKey(bytes, `the ${role} public key`);
    this.publicKeys.set(role, key);
    return key.slice();
  }

  /**
   * Issuer: the card generates a new SM2 key pair for `role` (admin PIN verified first) and
   * returns its public key. The old certificate no longer matches: write a new one.
   */
  async generateKeyPair(role: PkiKeyRole = 'signature'): Promise<Uint8Array> {
    this.publicKeys.delete(role);
    const bytes = await this.channel.transmit(cmd.generateKeyPair(PKI_KEYS[role].ref), {
      context: `generating the ${role} key pair (needs the admin PIN)`,
    });
    const key = checkedPublicKey(bytes, `the new ${role} public key`);
    this.publicKeys.set(role, key);
    return key.slice();
  }

  // --- signature and decryption ------------------------------------------------------------------------

  /**
   * SM2 signature of `data` with the card's signature key (user PIN verified first): the SDK
   * computes e = SM3(Z ‖ data) with the user id and the card's public key, the card signs e.
   * The signature is checked against the public key before it is returned.
   */
  async pkiSign(data: Uint8Array, options: PkiSignOptions = {}): Promise<PkiSignature> {
    if (!(data instanceof Uint8Array)) throw new InputError('data', 'data to sign must be bytes');
    const userId = options.userId ?? SM2_DEFAULT_USER_ID;
    const publicKey = await this.exportPublicKey('signature');
    const key = Sm2PublicKey.fromBytes(publicKey);
    const digest = createSm3().update(key.z(userId)).update(data).digest();
    const raw = await this.channel.transmit(cmd.signDigest(PKI_KEYS.signature.ref, digest), {
      context: 'signing (needs the user PIN)',
    });
    if (raw.length !== 64) throw new BadResponseError(`the card's SM2 signature has ${raw.length} bytes, expected r‖s (64)`);
    if (!sm2Verify(key, data, raw, { userId, format: 'raw' })) {
      throw new BadResponseError("the card's signature does not verify with its own public key");
    }
    return { der: sm2ConvertSignature(raw, 'der', { from: 'raw' }), raw, digest, publicKey };
  }

  /**
   * Decrypts an SM2 envelope with the card's encryption key (user PIN verified first). Takes
   * C1‖C3‖C2 bytes, or the GM/T 0009 DER form `openssl pkeyutl -encrypt` writes (converted here).
   */
  async decrypt(ciphertext: Uint8Array): Promise<Uint8Array> {
    const envelope = ciphertext[0] === 0x30 ? sm2CiphertextFromDer(ciphertext) : ciphertext;
    if (envelope.length < 98) throw new InputError('ciphertext', `an SM2 envelope has at least 98 bytes, got ${envelope.length}`);
    if (envelope.length > MAX_ENVELOPE) {
      throw new InputError(
        'ciphertext',
        `the card takes envelopes of at most ${MAX_ENVELOPE} bytes (158 bytes of plaintext), got ${envelope.length}`,
      );
    }
    return this.channel.transmit(cmd.decipher(PKI_KEYS.encryption.ref, envelope), { context: 'decrypting (needs the user PIN)' });
  }
}

/** Total length of the DER element starting at `head` (tag 30), or undefined for an empty EF. */
function derTotalLength(head: Uint8Array): number | undefined {
  if (head.length < 2 || head[0] !== 0x30) return undefined;
  const first = head[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 2 || head.length < 2 + count) throw new BadResponseError('certificate EF: unsupported DER length');
  let length = 0;
  for (let i = 0; i < count; i++) length = (length << 8) | head[2 + i]!;
  return 2 + count + length;
}

function checkedPublicKey(bytes: Uint8Array, what: string): Uint8Array {
  try {
    return Sm2PublicKey.fromBytes(bytes).toBytes();
  } catch (error) {
    throw new BadResponseError(`${what} from the card is not an SM2 point: ${(error as Error).message}`);
  }
}

function fid(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
