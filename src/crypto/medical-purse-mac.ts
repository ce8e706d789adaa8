import { concatBytes } from '../bytes/bytes.js';
import { type CardKeyCipher, cardMac, deriveSessionKey, sessionCipher } from './card-security.js';
import { checkLength } from './crypto-error.js';

/**
 * The medical purse's session keys, MAC1/MAC2 and TAC (card-spec §5.5, §7.2, §7.3): the card-MAC
 * construction of P4 §8.2 without a header. One implementation for the emulated card, the
 * software purchase security and the software load host.
 */

/**
 * SESLK / SESPK: the session key of DLK or DPK over an 8-byte input, R(4) ‖ seq(2) ‖ tail(2);
 * load: tail = 80 00, purchase: tail = the last 2 bytes of the terminal transaction sequence.
 * 3DES keys give an 8-byte DES key, SM4 keys a 16-byte one (input padded with 00).
 */
export function medicalSessionKey(cipher: CardKeyCipher, key: Uint8Array, random4: Uint8Array, seq: number, tail: Uint8Array): Uint8Array {
  checkLength('random', random4, 4);
  checkLength('tail', tail, 2);
  return deriveSessionKey(cipher, key, concatBytes(random4, Uint8Array.of(seq >> 8, seq & 0xff), tail));
}

/** The load session key's tail (card-spec §7.2 step 1). */
export const LOAD_SESSION_TAIL = Uint8Array.of(0x80, 0x00);

/** The purchase session key's tail: the last 2 bytes of the terminal transaction sequence. */
export function purchaseSessionTail(terminalSeq: number): Uint8Array {
  return Uint8Array.of((terminalSeq >>> 8) & 0xff, terminalSeq & 0xff);
}

/** MAC1 / MAC2 under a session key of a `cipher` card key. */
export function medicalMac(cipher: CardKeyCipher, sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  return cardMac(sessionCipher(cipher), sessionKey, data);
}

/** TAC (card-spec §5.5): no session key; 8-byte block → DES under DTK_L ⊕ DTK_R, SM4 → DTK itself. */
export function medicalTac(cipher: CardKeyCipher, dtk: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('dtk', dtk, 16);
  if (cipher === 'sm4') return cardMac('sm4', dtk, data);
  const folded = new Uint8Array(8);
  for (let i = 0; i < 8; i++) folded[i] = dtk[i]! ^ dtk[i + 8]!;
  try {
    return cardMac('des', folded, data);
  } finally {
    folded.fill(0);
  }
}

/** Transaction type bytes in MAC/TAC inputs and GET TRANSACTION PROOF P2 (emulator/README.md "Choices"). */
export const MEDICAL_TYPE = { load: 0x01, purchase: 0x02 } as const;
