import type { CardApplication } from '../../command-route.js';
import { exportPublicKeyCommand } from './export-public-key.js';
import { generateKeyPairCommand } from './generate-key-pair.js';
import { performSecurityOperationCommand } from './perform-security-operation.js';
import { PKI_APPLICATION_NAME } from './pki-layout.js';
import { verifyPinProofCommand } from './verify-pin-proof.js';

/**
 * The 3rd-generation PKI application on the cert ADF "SS.CERT.ADF1" (README.md beside this file):
 * PIN proof, on-card SM2 key generation, public key export, SM2 signature and decryption.
 * Certificates are read and written with the ISO READ/UPDATE BINARY commands.
 */
export const pkiApplication: CardApplication = {
  name: PKI_APPLICATION_NAME,
  commands: [verifyPinProofCommand, generateKeyPairCommand, exportPublicKeyCommand, performSecurityOperationCommand],
};
