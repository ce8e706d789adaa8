import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_PIN_REF,
  PKI_APPLICATION_NAME,
  PKI_CERT_ADF_NAME,
  PKI_CERT_FILE_SIZE,
  PKI_DDF_NAME,
  PKI_KEY_SLOTS,
  type PkiKeyRole,
  USER_PIN_REF,
} from '../../emulator/applications/pki/pki-layout.js';
import type { DedicatedFileProfile, ElementaryFileProfile } from '../../emulator/card-profile.js';
import { parseCertificate, verifyCertificate } from '../../src/applications/pki/pki-certificate.js';
import { toHex } from '../../src/bytes/hex.js';
import { sm2PublicKeyFromPrivate } from '../../src/crypto/sm2-keys.js';
import { sm2PrivateKeyFromPem } from '../../src/crypto/sm2-pem.js';
import type { CardIdentity } from './card-identity.js';
import type { ProfilePart } from './profile-part.js';

/** Written by scripts/make-test-pki.sh: the test CA and per card `<profile>/{sign,enc}.{key,crt}`. */
export const TEST_PKI_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../emulator/profiles/test-pki');

/** The 3rd-generation PKI PINs (card-facts §6): user 123456, admin 12345678. */
const USER_PIN = '123456';
const ADMIN_PIN = '12345678';
const FILE_STEM: Record<PkiKeyRole, string> = { signature: 'sign', encryption: 'enc' };

const hex2 = (n: number, bytes = 1) =>
  n
    .toString(16)
    .toUpperCase()
    .padStart(bytes * 2, '0');

/**
 * The PKI application (DDF "PKI.社会保障" ⊃ ADF "SS.CERT.ADF1", card-facts §6) of 3rd-generation
 * (spec 3.00) cards: user and admin PIN, the SM2 signature and encryption key pairs (test keys from
 * the test PKI), and their certificates in EF 0018 / 0019. Older cards have no PKI application.
 */
export function pkiPart(card: CardIdentity): ProfilePart | undefined {
  if (card.specVersion !== '3.00') return undefined;
  const dir = join(TEST_PKI_DIR, card.profileName);
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run scripts/make-test-pki.sh`);
  const ca = parseCertificate(readFileSync(join(TEST_PKI_DIR, 'ca.crt'), 'utf8'));

  const keyFiles: ElementaryFileProfile[] = [];
  const certFiles: ElementaryFileProfile[] = [];
  for (const slot of PKI_KEY_SLOTS) {
    const stem = FILE_STEM[slot.role];
    const d = sm2PrivateKeyFromPem(readFileSync(join(dir, `${stem}.key`), 'utf8'));
    const cert = parseCertificate(readFileSync(join(dir, `${stem}.crt`), 'utf8'));
    // The files must belong together and to this card: a stale test PKI fails here, not in a test.
    if (cert.publicKey !== toHex(sm2PublicKeyFromPrivate(d))) throw new Error(`${dir}/${stem}.crt does not certify ${stem}.key`);
    if (!verifyCertificate(cert, ca)) throw new Error(`${dir}/${stem}.crt is not signed by the test CA`);
    if (cert.subjectFields.serialNumber !== card.ssn) {
      throw new Error(
        `${dir}/${stem}.crt is for ${cert.subjectFields.serialNumber}, the card holder's SSN is ${card.ssn}: re-run scripts/make-test-pki.sh`,
      );
    }
    if (cert.der.length > PKI_CERT_FILE_SIZE) throw new Error(`${stem}.crt is larger than its EF`);
    keyFiles.push({
      kind: 'ef',
      type: 'transparent',
      fid: hex2(slot.keyFid, 2),
      label: `SM2 ${slot.role} private key ${hex2(slot.ref)} (TEST KEY from test-pki/${card.profileName}/${stem}.key; never readable)`,
      size: 32,
      content: toHex(d),
      access: { read: 'never', update: 'never' },
    });
    certFiles.push({
      kind: 'ef',
      type: 'transparent',
      fid: hex2(slot.certFid, 2),
      sfi: slot.certFid,
      label: `${slot.role} certificate (X.509 DER, SM2/SM3, issued by the sscard test CA)`,
      size: PKI_CERT_FILE_SIZE,
      content: toHex(cert.der),
      fill: 'FF',
      access: { read: 'free', update: { pin: hex2(ADMIN_PIN_REF) } },
    });
  }

  const adf: DedicatedFileProfile = {
    kind: 'df',
    dfName: PKI_CERT_ADF_NAME,
    label: 'SS.CERT.ADF1',
    application: PKI_APPLICATION_NAME,
    pins: [
      { id: hex2(USER_PIN_REF), value: USER_PIN, testPin: true },
      { id: hex2(ADMIN_PIN_REF), value: ADMIN_PIN, testPin: true },
    ],
    children: [...certFiles, ...keyFiles],
  };
  const ddf: DedicatedFileProfile = { kind: 'df', dfName: PKI_DDF_NAME, label: 'PKI.社会保障', children: [adf] };
  return { name: 'pki', files: [ddf] };
}
