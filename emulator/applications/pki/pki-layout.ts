import { CardStatus, SW } from '../../card-status.js';

/**
 * The 3rd-generation PKI application as this emulator lays it out (card-facts §6, formats in
 * README.md): DDF "PKI.社会保障" holding the certificate ADF "SS.CERT.ADF1", which carries the
 * PINs, the two SM2 key pairs (in internal key files nobody can read) and the certificates.
 * scripts/profiles/pki-part.ts builds profiles from these constants.
 */
export const PKI_APPLICATION_NAME = 'pki-3g';
/** "PKI.社会保障" (GBK). */
export const PKI_DDF_NAME = '504B492EC9E7BBE1B1A3D5CF';
/** "SS.CERT.ADF1". */
export const PKI_CERT_ADF_NAME = '53532E434552542E41444631';

/** VERIFY P2: user PIN (signing, decryption) and admin PIN (key generation, certificate writing). */
export const USER_PIN_REF = 0x81;
export const ADMIN_PIN_REF = 0x82;

export type PkiKeyRole = 'signature' | 'encryption';

/** One SM2 key pair: the key reference commands name in P2, its private key file and its certificate EF. */
export interface PkiKeySlot {
  ref: number;
  role: PkiKeyRole;
  /** Transparent EF, 32 bytes d; access never/never: only this application's handlers see it. All zero: no key. */
  keyFid: number;
  /** Transparent EF with the X.509 certificate (DER, padded). */
  certFid: number;
}

export const PKI_KEY_SLOTS: readonly PkiKeySlot[] = [
  { ref: 0x01, role: 'signature', keyFid: 0x0f01, certFid: 0x0018 },
  { ref: 0x02, role: 'encryption', keyFid: 0x0f02, certFid: 0x0019 },
];

/** Size of the certificate EFs: room for a certificate with a long subject after key regeneration. */
export const PKI_CERT_FILE_SIZE = 2048;

/** The slot a command's P2 names; 6A88 for an unknown key reference. */
export function keySlot(ref: number): PkiKeySlot {
  const slot = PKI_KEY_SLOTS.find((s) => s.ref === ref);
  if (slot === undefined) throw new CardStatus(SW.REFERENCE_NOT_FOUND, `no key reference ${ref}`);
  return slot;
}
