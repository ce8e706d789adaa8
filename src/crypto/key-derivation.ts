import { encodePinBcd } from '../bytes/pin-bcd.js';
import { checkLength } from './crypto-error.js';
import { Des3BlockCipher } from './des.js';
import { sm3 } from './sm3.js';
import { Sm4BlockCipher } from './sm4.js';

function complement(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => ~b & 0xff);
}

/** Per-card 3DES key: 3DES(MK, factor) ‖ 3DES(MK, ~factor) (card-facts §5, §8). */
export function diversify3des(masterKey16: Uint8Array, factor8: Uint8Array): Uint8Array {
  checkLength('masterKey', masterKey16, 16);
  checkLength('factor', factor8, 8);
  const cipher = new Des3BlockCipher(masterKey16);
  const out = new Uint8Array(16);
  out.set(cipher.encrypt(factor8), 0);
  out.set(cipher.encrypt(complement(factor8)), 8);
  return out;
}

/** Per-card SM4 key: SM4(MK, factor ‖ ~factor), the 16-byte-block form of the same scheme. */
export function diversifySm4(masterKey16: Uint8Array, factor8: Uint8Array): Uint8Array {
  checkLength('masterKey', masterKey16, 16);
  checkLength('factor', factor8, 8);
  const input = new Uint8Array(16);
  input.set(factor8, 0);
  input.set(complement(factor8), 8);
  return new Sm4BlockCipher(masterKey16).encryptBlock(input);
}

/**
 * Multi-level diversification: the master key is diversified by each factor in turn (province,
 * city, card…), as the issuing hierarchy does (card-facts §5).
 */
export function diversifyPath(masterKey16: Uint8Array, factors: Uint8Array[], algorithm: '3des' | 'sm4'): Uint8Array {
  let key = masterKey16;
  for (const factor of factors) key = algorithm === '3des' ? diversify3des(key, factor) : diversifySm4(key, factor);
  return key;
}

/** 3rd-generation PKI PIN key: the first 16 bytes of SM3(PIN as BCD) (card-facts §6). */
export function pinProofKey(pin: string): Uint8Array {
  return sm3(encodePinBcd(pin)).slice(0, 16);
}

/** The PIN proof sent in `VERIFY 00 20 01 81 10`: SM4-ECB(pinProofKey(pin), challenge16). */
export function pinProof(pin: string, challenge16: Uint8Array): Uint8Array {
  checkLength('challenge', challenge16, 16);
  const key = pinProofKey(pin);
  try {
    return new Sm4BlockCipher(key).encryptBlock(challenge16);
  } finally {
    key.fill(0);
  }
}
