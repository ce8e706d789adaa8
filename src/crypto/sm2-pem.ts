import { bytesEqual, concatBytes } from '../bytes/bytes.js';
import { CryptoError } from './crypto-error.js';
import {
  type DerElement,
  DerTag,
  derEncode,
  derOid,
  derUnsignedInteger,
  derValue,
  expectTag,
  readDerChildren,
  readDerOid,
  readDerRoot,
  readDerUnsignedInteger,
} from './der.js';
import { SM2_CURVE_OID } from './sm2-curve.js';
import {
  Sm2PrivateKey,
  type Sm2PrivateKeyInput,
  Sm2PublicKey,
  type Sm2PublicKeyInput,
  toSm2PrivateKey,
  toSm2PublicKey,
} from './sm2-keys.js';

// Keys are encoded as OpenSSL 3 writes them: algorithm id-ecPublicKey with the SM2 curve OID as
// parameters (not the SM2 OID as the algorithm), so each side reads the other's files.
const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

function algorithmIdentifier(): Uint8Array {
  return derEncode(DerTag.sequence, derOid(ID_EC_PUBLIC_KEY), derOid(SM2_CURVE_OID));
}

function bitString(bytes: Uint8Array): Uint8Array {
  return derEncode(DerTag.bitString, concatBytes(Uint8Array.of(0), bytes));
}

/** SubjectPublicKeyInfo DER. */
export function sm2PublicKeyToDer(publicKey: Sm2PublicKeyInput): Uint8Array {
  return derEncode(DerTag.sequence, algorithmIdentifier(), bitString(toSm2PublicKey(publicKey).toBytes()));
}

export function sm2PublicKeyToPem(publicKey: Sm2PublicKeyInput): string {
  return toPem('PUBLIC KEY', sm2PublicKeyToDer(publicKey));
}

/** PKCS#8 DER, byte-for-byte what `openssl genpkey -algorithm SM2` writes for the same key. */
export function sm2PrivateKeyToDer(privateKey: Sm2PrivateKeyInput): Uint8Array {
  const key = toSm2PrivateKey(privateKey);
  const ecPrivateKey = derEncode(
    DerTag.sequence,
    derUnsignedInteger(1n),
    derEncode(DerTag.octetString, key.toBytes()),
    derEncode(DerTag.context1, bitString(key.publicKey.toBytes())),
  );
  return derEncode(DerTag.sequence, derUnsignedInteger(0n), algorithmIdentifier(), derEncode(DerTag.octetString, ecPrivateKey));
}

export function sm2PrivateKeyToPem(privateKey: Sm2PrivateKeyInput): string {
  return toPem('PRIVATE KEY', sm2PrivateKeyToDer(privateKey));
}

/** Reads SubjectPublicKeyInfo DER; returns 04‖x‖y. */
export function sm2PublicKeyFromDer(der: Uint8Array): Uint8Array {
  const parts = readDerChildren(readDerRoot(der, DerTag.sequence, 'publicKey'), 'publicKey');
  if (parts.length !== 2) throw new CryptoError('publicKey', `malformed SubjectPublicKeyInfo: ${parts.length} elements, expected 2`);
  checkAlgorithm(expectTag(parts[0], DerTag.sequence, 'publicKey', 'algorithm'), 'publicKey');
  return Sm2PublicKey.fromBytes(
    readBitString(expectTag(parts[1], DerTag.bitString, 'publicKey', 'subjectPublicKey'), 'publicKey'),
  ).toBytes();
}

/** Reads the first PUBLIC KEY block of a PEM text; returns 04‖x‖y. */
export function sm2PublicKeyFromPem(pem: string): Uint8Array {
  return sm2PublicKeyFromDer(fromPem(pem, ['PUBLIC KEY'], 'publicKey').der);
}

/** Reads PKCS#8 or SEC1 ("EC PRIVATE KEY") DER; returns the 32-byte private key. */
export function sm2PrivateKeyFromDer(der: Uint8Array): Uint8Array {
  const root = readDerRoot(der, DerTag.sequence, 'privateKey');
  const parts = readDerChildren(root, 'privateKey');
  // PKCS#8 has an AlgorithmIdentifier SEQUENCE second; SEC1 has the private key OCTET STRING there.
  if (parts[1]?.tag === DerTag.sequence) {
    const version = readDerUnsignedInteger(expectTag(parts[0], DerTag.integer, 'privateKey', 'version'), 'privateKey', 'version');
    if (version !== 0n && version !== 1n) throw new CryptoError('privateKey', `unsupported PKCS#8 version ${version}`);
    checkAlgorithm(parts[1], 'privateKey');
    const inner = derValue(expectTag(parts[2], DerTag.octetString, 'privateKey', 'privateKey'));
    return readEcPrivateKey(inner, false);
  }
  return readEcPrivateKey(der, true);
}

/**
 * Reads a PRIVATE KEY (PKCS#8), EC PRIVATE KEY (SEC1, as `openssl ecparam -genkey` writes) or SM2
 * PRIVATE KEY block (SEC1 under the label OpenSSL 3 gives SM2 keys, as `openssl ec` writes).
 */
export function sm2PrivateKeyFromPem(pem: string): Uint8Array {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    throw new CryptoError('privateKey', 'encrypted private keys are not supported; decrypt with `openssl pkey` first');
  }
  return sm2PrivateKeyFromDer(fromPem(pem, ['PRIVATE KEY', 'EC PRIVATE KEY', 'SM2 PRIVATE KEY'], 'privateKey').der);
}

/** ECPrivateKey (RFC 5915): version 1, key, optional [0] curve, optional [1] public key (checked if present). */
function readEcPrivateKey(der: Uint8Array, curveRequired: boolean): Uint8Array {
  const parts = readDerChildren(readDerRoot(der, DerTag.sequence, 'privateKey'), 'privateKey');
  const version = readDerUnsignedInteger(expectTag(parts[0], DerTag.integer, 'privateKey', 'version'), 'privateKey', 'version');
  if (version !== 1n) throw new CryptoError('privateKey', `ECPrivateKey version must be 1, found ${version}`);
  const raw = derValue(expectTag(parts[1], DerTag.octetString, 'privateKey', 'privateKey'));
  if (raw.length > 32 || raw.length === 0) throw new CryptoError('privateKey', `expected a 32-byte key, found ${raw.length} bytes`);
  const padded = new Uint8Array(32);
  padded.set(raw, 32 - raw.length);
  const key = Sm2PrivateKey.fromBytes(padded);
  let sawCurve = false;
  for (const el of parts.slice(2)) {
    if (el.tag === DerTag.context0) {
      const [oid] = readDerChildren(el, 'privateKey');
      const name = readDerOid(expectTag(oid, DerTag.oid, 'privateKey', 'curve'), 'privateKey');
      if (name !== SM2_CURVE_OID) throw new CryptoError('privateKey', `not an SM2 key: curve ${name}`);
      sawCurve = true;
    } else if (el.tag === DerTag.context1) {
      const [bits] = readDerChildren(el, 'privateKey');
      const embedded = Sm2PublicKey.fromBytes(readBitString(expectTag(bits, DerTag.bitString, 'privateKey', 'publicKey'), 'privateKey'));
      if (!bytesEqual(embedded.toBytes(), key.publicKey.toBytes())) {
        throw new CryptoError('privateKey', 'the embedded public key does not belong to the private key');
      }
    } else {
      throw new CryptoError('privateKey', `malformed ECPrivateKey: unexpected tag ${el.tag.toString(16)}`);
    }
  }
  if (curveRequired && !sawCurve) throw new CryptoError('privateKey', 'SEC1 key without curve parameters: cannot tell it is SM2');
  return key.toBytes();
}

function checkAlgorithm(alg: DerElement, field: string): void {
  const [oid, params] = readDerChildren(alg, field);
  const algorithm = readDerOid(expectTag(oid, DerTag.oid, field, 'algorithm'), field);
  if (algorithm !== ID_EC_PUBLIC_KEY && algorithm !== SM2_CURVE_OID) {
    throw new CryptoError(field, `not an EC/SM2 key: algorithm ${algorithm}`);
  }
  if (params === undefined || params.tag !== DerTag.oid) throw new CryptoError(field, 'EC parameters must name the SM2 curve');
  const curve = readDerOid(params, field);
  if (curve !== SM2_CURVE_OID) throw new CryptoError(field, `not an SM2 key: curve ${curve}`);
}

function readBitString(el: DerElement, field: string): Uint8Array {
  const v = derValue(el);
  if (v.length < 1 || v[0] !== 0) throw new CryptoError(field, 'malformed BIT STRING (unused bits must be 0)');
  return v.subarray(1);
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string, labels: string[], field: string): { label: string; der: Uint8Array } {
  if (typeof pem !== 'string') throw new CryptoError(field, 'expected PEM text');
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(pem); m !== null; m = re.exec(pem)) {
    const label = m[1]!;
    if (!labels.includes(label)) continue;
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0)
      throw new CryptoError(field, `PEM ${label} block is not valid base64`);
    return { label, der: new Uint8Array(Buffer.from(body, 'base64')) };
  }
  throw new CryptoError(field, `no ${labels.join(' or ')} block in the PEM text`);
}
