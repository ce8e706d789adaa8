import { CommandApdu } from '../../apdu/command-apdu.js';
import { PKI_INS, PKI_PIN_REF, type PkiPin, PSO_DECIPHER, PSO_SIGN } from './pki-constants.js';

/** APDU builders for the PKI application (formats: emulator/applications/pki/README.md). */

/** `00 20 01 <81|82> 10 <proof>`: VERIFY with the SM4 PIN proof. */
export function verifyPinProof(pin: PkiPin, proof: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x20, p1: 0x01, p2: PKI_PIN_REF[pin], data: proof });
}

/** `00 20 01 <81|82>`: PIN status without spending a try. */
export function pinStatus(pin: PkiPin): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x20, p1: 0x01, p2: PKI_PIN_REF[pin] });
}

/** `80 40 00 <key> 00`: new SM2 key pair; answers 04‖x‖y. */
export function generateKeyPair(keyRef: number): CommandApdu {
  return new CommandApdu({ cla: 0x80, ins: PKI_INS.generateKeyPair, p1: 0x00, p2: keyRef, le: 256 });
}

/** `80 E6 00 <key> 00`: the key's public key 04‖x‖y. */
export function exportPublicKey(keyRef: number): CommandApdu {
  return new CommandApdu({ cla: 0x80, ins: PKI_INS.exportPublicKey, p1: 0x00, p2: keyRef, le: 256 });
}

/** `80 2A 9E <key> 20 <e> 00`: SM2 signature of e = SM3(Z‖M); answers r‖s. */
export function signDigest(keyRef: number, digest: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x80, ins: PKI_INS.performSecurityOperation, p1: PSO_SIGN, p2: keyRef, data: digest, le: 256 });
}

/** `80 2A 80 <key> Lc <C1‖C3‖C2> 00`: SM2 decryption; answers the plaintext. */
export function decipher(keyRef: number, envelope: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x80, ins: PKI_INS.performSecurityOperation, p1: PSO_DECIPHER, p2: keyRef, data: envelope, le: 256 });
}

/** UPDATE BINARY of the current EF at `offset`. */
export function updateBinary(offset: number, data: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0xd6, p1: (offset >> 8) & 0x7f, p2: offset & 0xff, data });
}
