/**
 * The 3rd-generation PKI application as terminals address it (card-facts §6); command formats in
 * emulator/applications/pki/README.md.
 */

/** DDF "PKI.社会保障". */
export const PKI_DDF_NAME = Uint8Array.from([0x50, 0x4b, 0x49, 0x2e, 0xc9, 0xe7, 0xbb, 0xe1, 0xb1, 0xa3, 0xd5, 0xcf]);
/** Certificate ADF "SS.CERT.ADF1". */
export const PKI_CERT_ADF_NAME = new TextEncoder().encode('SS.CERT.ADF1');

export type PkiPin = 'user' | 'admin';
/** VERIFY P2 of each PIN. */
export const PKI_PIN_REF: Record<PkiPin, number> = { user: 0x81, admin: 0x82 };

export type PkiKeyRole = 'signature' | 'encryption';
/** Key reference (P2 of the key commands) and certificate EF of each key pair. */
export const PKI_KEYS: Record<PkiKeyRole, { ref: number; certFid: number }> = {
  signature: { ref: 0x01, certFid: 0x0018 },
  encryption: { ref: 0x02, certFid: 0x0019 },
};

export const PKI_INS = {
  generateKeyPair: 0x40,
  exportPublicKey: 0xe6,
  performSecurityOperation: 0x2a,
} as const;

/** P1 of PSO (ISO 7816-8 meaning): compute digital signature / decipher. */
export const PSO_SIGN = 0x9e;
export const PSO_DECIPHER = 0x80;
