// The crypto layer: SM2/SM3/SM4, DES/3DES, the card MACs and key derivations.

export type { BlockCipherOptions } from './block-cipher.js';
export { CryptoError } from './crypto-error.js';
export * from './des.js';
export * from './epurse-mac.js';
export * from './key-derivation.js';
export * from './mac.js';
export * from './padding.js';
export { SM2_CURVE, SM2_CURVE_OID } from './sm2-curve.js';
export {
  type Sm2CiphertextOrder,
  type Sm2EncryptOptions,
  sm2CiphertextFromDer,
  sm2CiphertextToDer,
  sm2Decrypt,
  sm2Encrypt,
} from './sm2-encrypt.js';
export { sm2Kdf } from './sm2-kdf.js';
export {
  SM2_DEFAULT_USER_ID,
  Sm2PrivateKey,
  type Sm2PrivateKeyInput,
  Sm2PublicKey,
  type Sm2PublicKeyInput,
  type Sm2UserId,
  sm2ComputeZ,
  sm2ConvertPublicKey,
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
} from './sm2-keys.js';
export * from './sm2-pem.js';
export {
  type Sm2SignatureFormat,
  type Sm2SignOptions,
  type Sm2VerifyOptions,
  sm2ConvertSignature,
  sm2Sign,
  sm2SignDigest,
  sm2Verify,
} from './sm2-sign.js';
export * from './sm3.js';
export * from './sm4.js';
