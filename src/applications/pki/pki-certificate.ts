import { Certificate, type RelativeDistinguishedNames } from 'pkijs';
import { bytesEqual } from '../../bytes/bytes.js';
import { toHex } from '../../bytes/hex.js';
import { CryptoError } from '../../crypto/crypto-error.js';
import { SM2_CURVE_OID } from '../../crypto/sm2-curve.js';
import { SM2_DEFAULT_USER_ID, Sm2PublicKey, type Sm2UserId } from '../../crypto/sm2-keys.js';
import { sm2Verify } from '../../crypto/sm2-sign.js';
import { DecodeError } from '../../errors.js';

/** SM2 signature with SM3 (GM/T 0006). */
export const SM2_WITH_SM3_OID = '1.2.156.10197.1.501';
/** id-ecPublicKey: OpenSSL writes SM2 keys as EC keys whose parameters name the SM2 curve. */
const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** The attribute names people know, for the OIDs that appear in certificate names. */
const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** An X.509 certificate with an SM2 public key, as the card's PKI application holds them. */
export interface PkiCertificate {
  /** Distinguished name in encoded order, e.g. "C=CN, O=sscard test, CN=张晓明, serialNumber=3303…". */
  subject: string;
  /** Subject attributes by short name (CN, O, serialNumber, …); a repeated attribute keeps its last value. */
  subjectFields: Record<string, string>;
  issuer: string;
  /** Serial number, uppercase hex without leading zero bytes. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** OID of the certificate's signature algorithm (SM2-with-SM3: 1.2.156.10197.1.501). */
  signatureAlgorithm: string;
  /** The subject's SM2 public key, 04‖x‖y, uppercase hex. */
  publicKey: string;
  der: Uint8Array;
  pem: string;
  /** The signed part (tbsCertificate DER), exactly as encoded in `der`. */
  tbsCertificate: Uint8Array;
  /** The issuer's signature, DER SEQUENCE { r, s }. */
  signature: Uint8Array;
}

/**
 * Parses a DER or PEM certificate with pkijs and checks that its key is an SM2 key.
 * Anything that is not a well-formed X.509 certificate is a DecodeError.
 */
export function parseCertificate(input: Uint8Array | string): PkiCertificate {
  const der = typeof input === 'string' ? pemToDer(input) : input;
  let cert: Certificate;
  try {
    cert = Certificate.fromBER(der);
  } catch (error) {
    throw new DecodeError('certificate', 0, `not an X.509 certificate (${(error as Error).message})`);
  }
  const spki = cert.subjectPublicKeyInfo;
  const keyAlgorithm = spki.algorithm.algorithmId;
  const curve = (spki.algorithm.algorithmParams as { valueBlock?: { toString(): string } } | undefined)?.valueBlock?.toString();
  if (!(keyAlgorithm === ID_EC_PUBLIC_KEY && curve === SM2_CURVE_OID) && keyAlgorithm !== SM2_CURVE_OID) {
    throw new DecodeError(
      'certificate',
      0,
      `the subject key is not an SM2 key (algorithm ${keyAlgorithm}${curve ? `, curve ${curve}` : ''})`,
    );
  }
  let publicKey: Uint8Array;
  try {
    publicKey = Sm2PublicKey.fromBytes(new Uint8Array(spki.subjectPublicKey.valueBlock.valueHexView)).toBytes();
  } catch (error) {
    if (error instanceof CryptoError) throw new DecodeError('certificate', 0, `subject public key: ${error.message}`);
    throw error;
  }
  const serial = new Uint8Array(cert.serialNumber.valueBlock.valueHexView);
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start++;
  const copy = new Uint8Array(der);
  return {
    subject: formatName(cert.subject),
    subjectFields: Object.fromEntries(nameAttributes(cert.subject)),
    issuer: formatName(cert.issuer),
    serial: toHex(serial.subarray(start)),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
    publicKey: toHex(publicKey),
    der: copy,
    pem: derToPem(copy),
    tbsCertificate: new Uint8Array(cert.tbsView),
    signature: new Uint8Array(cert.signatureValue.valueBlock.valueHexView),
  };
}

export interface VerifyCertificateOptions {
  /** SM2 user id the issuer signed with; default 1234567812345678 (GM/T 0015). */
  userId?: Sm2UserId;
  /** Also require `at` to lie within the certificate's validity period. */
  at?: Date;
}

/**
 * True when `issuer` issued `cert`: the names match and the SM2-with-SM3 signature over the
 * tbsCertificate verifies under the issuer's public key (and, with `at`, the certificate is valid
 * then). A self-signed certificate is checked with itself as issuer.
 */
export function verifyCertificate(cert: PkiCertificate, issuer: PkiCertificate, options: VerifyCertificateOptions = {}): boolean {
  if (cert.signatureAlgorithm !== SM2_WITH_SM3_OID) return false;
  if (cert.issuer !== issuer.subject) return false;
  if (options.at !== undefined && (options.at < cert.notBefore || options.at > cert.notAfter)) return false;
  try {
    return sm2Verify(Uint8Array.from(Buffer.from(issuer.publicKey, 'hex')), cert.tbsCertificate, cert.signature, {
      userId: options.userId ?? SM2_DEFAULT_USER_ID,
      format: 'der',
    });
  } catch (error) {
    // A malformed signature value is not a valid signature.
    if (error instanceof CryptoError) return false;
    throw error;
  }
}

/** True when both hold the same DER bytes. */
export function sameCertificate(a: PkiCertificate, b: PkiCertificate): boolean {
  return bytesEqual(a.der, b.der);
}

function nameAttributes(name: RelativeDistinguishedNames): Array<[string, string]> {
  return name.typesAndValues.map((tv) => {
    const label = NAME_ATTRIBUTES[tv.type] ?? tv.type;
    const value = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    return [label, typeof value === 'string' ? value : `#${toHex(new Uint8Array(tv.value.toBER()))}`];
  });
}

function formatName(name: RelativeDistinguishedNames): string {
  return nameAttributes(name)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (m === null) throw new DecodeError('certificate', 0, 'no -----BEGIN CERTIFICATE----- block in the PEM text');
  const body = m[1]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new DecodeError('certificate', 0, 'the PEM block is not base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
