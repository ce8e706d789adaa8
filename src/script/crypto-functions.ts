import { authenticationData, type CardKeyCipher, diversifyCardKey, encryptDataField, secureMessagingMac } from '../crypto/card-security.js';
import {
  des3DecryptCbc,
  des3DecryptEcb,
  des3EncryptCbc,
  des3EncryptEcb,
  desEncryptCbc,
  diversify3des,
  diversifySm4,
  type EpurseAlgorithm,
  epurseLoadSessionKey,
  epurseMac,
  epursePurchaseSessionKey,
  epurseTacKey,
  pbocMac3des,
  pinProofKey,
  sm2Sign,
  sm2Verify,
  sm3,
  sm4CbcMac,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  sm4SecureMessagingMac,
} from '../crypto/index.js';
import type { FunctionContext, ScriptFunction } from './functions.js';
import { ScriptRuntimeError } from './script-errors.js';
import { toBytes, toNumber, toText, type Value } from './value.js';

type Call = (args: Value[], ctx: FunctionContext) => Value;

function fn(signature: string, minArgs: number, maxArgs: number, call: Call): ScriptFunction {
  return { signature, minArgs, maxArgs, call };
}

const name = (signature: string): string => signature.slice(0, signature.indexOf('('));
const b = (args: Value[], i: number, sig: string, ctx: FunctionContext): Uint8Array =>
  toBytes(args[i]!, `${name(sig)}() argument ${i + 1}`, ctx.loc);
const n = (args: Value[], i: number, sig: string, ctx: FunctionContext): number =>
  toNumber(args[i]!, `${name(sig)}() argument ${i + 1}`, ctx.loc);

function algorithm(args: Value[], i: number, sig: string, ctx: FunctionContext): EpurseAlgorithm {
  if (args.length <= i) return '3des';
  const a = toText(args[i]!, `${name(sig)}() algorithm`, ctx.loc).toLowerCase();
  if (a !== '3des' && a !== 'sm4') throw new ScriptRuntimeError(`${name(sig)}(): algorithm is "3des" or "sm4", got "${a}"`, ctx.loc);
  return a;
}

/** The social security card's key algorithms: "sm4", "3des" (16-byte keys) or "des" (8-byte STK). */
function cardCipher(args: Value[], i: number, sig: string, ctx: FunctionContext): CardKeyCipher {
  if (args.length <= i) return 'sm4';
  const a = toText(args[i]!, `${name(sig)}() algorithm`, ctx.loc).toLowerCase();
  if (a !== 'sm4' && a !== '3des' && a !== 'des')
    throw new ScriptRuntimeError(`${name(sig)}(): algorithm is "sm4", "3des" or "des", got "${a}"`, ctx.loc);
  return a;
}

/** Two-argument (key, data) and three-argument (key, iv, data) cipher functions. */
function ecb(sig: string, op: (k: Uint8Array, d: Uint8Array) => Uint8Array): ScriptFunction {
  return fn(sig, 2, 2, (a, c) => op(b(a, 0, sig, c), b(a, 1, sig, c)));
}
function cbc(sig: string, op: (k: Uint8Array, iv: Uint8Array, d: Uint8Array) => Uint8Array): ScriptFunction {
  return fn(sig, 3, 3, (a, c) => op(b(a, 0, sig, c), b(a, 1, sig, c), b(a, 2, sig, c)));
}

/**
 * The cryptography card sessions need, from src/crypto: hashes, ciphers (data must be whole blocks:
 * pad with pad80 first), the card MACs, e-purse session keys and key diversification.
 */
export const CRYPTO_FUNCTIONS: Record<string, ScriptFunction> = {
  sm3: fn('sm3(data)', 1, 1, (a, c) => sm3(b(a, 0, 'sm3(', c))),
  sm4_ecb: ecb('sm4_ecb(key, data)', (k, d) => sm4EncryptEcb(k, d)),
  sm4_ecb_decrypt: ecb('sm4_ecb_decrypt(key, data)', (k, d) => sm4DecryptEcb(k, d)),
  sm4_cbc: cbc('sm4_cbc(key, iv, data)', (k, iv, d) => sm4EncryptCbc(k, iv, d)),
  sm4_cbc_decrypt: cbc('sm4_cbc_decrypt(key, iv, data)', (k, iv, d) => sm4DecryptCbc(k, iv, d)),
  des3_ecb: ecb('des3_ecb(key, data)', (k, d) => des3EncryptEcb(k, d)),
  des3_ecb_decrypt: ecb('des3_ecb_decrypt(key, data)', (k, d) => des3DecryptEcb(k, d)),
  des3_cbc: cbc('des3_cbc(key, iv, data)', (k, iv, d) => des3EncryptCbc(k, iv, d)),
  des3_cbc_decrypt: cbc('des3_cbc_decrypt(key, iv, data)', (k, iv, d) => des3DecryptCbc(k, iv, d)),
  des_cbc: cbc('des_cbc(key8, iv, data)', (k, iv, d) => desEncryptCbc(k, iv, d)),
  pboc_mac: cbc('pboc_mac(key, challenge8, data)', (k, ch, d) => pbocMac3des(k, ch, d)),
  sm4_mac: cbc('sm4_mac(key, challenge, data)', (k, ch, d) => sm4SecureMessagingMac(k, ch, d)),
  sm4_cbc_mac: cbc('sm4_cbc_mac(key, iv, data)', (k, iv, d) => sm4CbcMac(k, iv, d)),
  epurse_mac: ecb('epurse_mac(sessionKey, data)', (k, d) => epurseMac(k, d)),
  load_session_key: fn('load_session_key(dlk, rand4, onlineAtc[, "sm4"])', 3, 4, (a, c) => {
    const sig = 'load_session_key(';
    return epurseLoadSessionKey(b(a, 0, sig, c), b(a, 1, sig, c), n(a, 2, sig, c), algorithm(a, 3, sig, c));
  }),
  purchase_session_key: fn('purchase_session_key(dpk, rand4, offlineAtc, termSeq[, "sm4"])', 4, 5, (a, c) => {
    const sig = 'purchase_session_key(';
    return epursePurchaseSessionKey(b(a, 0, sig, c), b(a, 1, sig, c), n(a, 2, sig, c), n(a, 3, sig, c), algorithm(a, 4, sig, c));
  }),
  tac_key: fn('tac_key(dtk[, "sm4"])', 1, 2, (a, c) => epurseTacKey(b(a, 0, 'tac_key(', c), algorithm(a, 1, 'tac_key(', c))),
  diversify: fn('diversify(masterKey, factor8[, "sm4"])', 2, 3, (a, c) => {
    const sig = 'diversify(';
    const alg = algorithm(a, 2, sig, c);
    return (alg === 'sm4' ? diversifySm4 : diversify3des)(b(a, 0, sig, c), b(a, 1, sig, c));
  }),
  // The social security card's security layer (card-spec §4.3, §5): default algorithm "sm4".
  card_key: fn('card_key(master, factor8[, "sm4"|"3des"|"des"])', 2, 3, (a, c) => {
    const sig = 'card_key(';
    return diversifyCardKey(cardCipher(a, 2, sig, c), b(a, 0, sig, c), b(a, 1, sig, c));
  }),
  auth_data: fn('auth_data(key, random, original8[, "sm4"|"3des"|"des"])', 3, 4, (a, c) => {
    const sig = 'auth_data(';
    return authenticationData(cardCipher(a, 3, sig, c), b(a, 0, sig, c), b(a, 1, sig, c), b(a, 2, sig, c));
  }),
  sm_mac: fn('sm_mac(key, random, header_and_data[, "sm4"|"3des"|"des"])', 3, 4, (a, c) => {
    const sig = 'sm_mac(';
    return secureMessagingMac(cardCipher(a, 3, sig, c), b(a, 0, sig, c), b(a, 1, sig, c), b(a, 2, sig, c));
  }),
  sm_encrypt: fn('sm_encrypt(key, random, plaintext[, "sm4"|"3des"|"des"])', 3, 4, (a, c) => {
    const sig = 'sm_encrypt(';
    return encryptDataField(cardCipher(a, 3, sig, c), b(a, 0, sig, c), b(a, 1, sig, c), b(a, 2, sig, c));
  }),
  pin_proof_key: fn('pin_proof_key(pin)', 1, 1, (a, c) => pinProofKey(toText(a[0]!, 'pin_proof_key() argument 1', c.loc))),
  sm2_sign: fn('sm2_sign(privateKey, message)', 2, 2, (a, c) =>
    sm2Sign(b(a, 0, 'sm2_sign(', c), b(a, 1, 'sm2_sign(', c), { format: 'raw' }),
  ),
  sm2_verify: fn('sm2_verify(publicKey, message, signature)', 3, 3, (a, c) =>
    sm2Verify(b(a, 0, 'sm2_verify(', c), b(a, 1, 'sm2_verify(', c), b(a, 2, 'sm2_verify(', c), { format: 'raw' }) ? 1 : 0,
  ),
};
