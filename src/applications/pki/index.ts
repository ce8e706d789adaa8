// The 3rd-generation PKI application: session, certificates, constants.

export {
  derToPem,
  type PkiCertificate,
  parseCertificate,
  SM2_WITH_SM3_OID,
  sameCertificate,
  type VerifyCertificateOptions,
  verifyCertificate,
} from './pki-certificate.js';
export { PKI_CERT_ADF_NAME, PKI_DDF_NAME, PKI_KEYS, PKI_PIN_REF, type PkiKeyRole, type PkiPin } from './pki-constants.js';
export { type CardCertificate, PkiSession, type PkiSignature, type PkiSignOptions } from './pki-session.js';
