import type { CardDiversificationData } from '../crypto/card-key-factors.js';

/**
 * What a terminal's key store can do for the social security card's security layer, and all a
 * session ever asks of it (card-spec §5, §9, §10.5): an HSM answers these as request strings, a
 * PSAM through DELIVERY SESSION KEY + CIPHER DATA, and SoftwareKeyProvider from a test key file.
 * No method returns a key.
 *
 * Keys are named as the specification names them (IRK, STK, PUK, BK, UKSSSE, RKSSSE, RK1DF04…);
 * the provider knows at which level it holds each one and diversifies it with the card's factors.
 */
export type CardAlgorithm = '3des' | 'sm4';

export interface CardKeyRequest {
  /** The key's specification name. */
  key: string;
  /** The card's algorithm (its FCI's algorithm id): a provider refuses keys of another one. */
  algorithm: CardAlgorithm;
  /** Region code and historical bytes: the diversification factors come from them. */
  card: CardDiversificationData;
  /** The card's current random (its last GET CHALLENGE) or the terminal's factor: the session-key input. */
  processFactor: Uint8Array;
}

export interface AuthenticationDataRequest extends CardKeyRequest {
  /** 8 bytes the authentication data is computed over. */
  original: Uint8Array;
}

export interface ProtectCommandRequest extends CardKeyRequest {
  /** CLA INS P1 P2 Lc of the protected command, Lc counting the encrypted field (or clear data) and the MAC. */
  header: Uint8Array;
  /** Encrypted into the data field (P4 §8.3), e.g. the new PIN of a reload. */
  plaintext?: Uint8Array;
  /** Sent in clear before the MAC (UPDATE RECORD with secure messaging). */
  clearData?: Uint8Array;
}

export interface ProtectedCommandData {
  /** The data field before the MAC: the encrypted field, or the clear data, or nothing. */
  data: Uint8Array;
  /** The 4-byte MAC (P4 §8.2). */
  mac: Uint8Array;
}

export interface KeyProvider {
  /** Authentication data (P4 §9, 8 bytes): what EXTERNAL AUTHENTICATE sends and INTERNAL AUTHENTICATE answers. */
  authenticationData(request: AuthenticationDataRequest): Promise<Uint8Array>;
  /** The data field and MAC of a secure-messaging command (P4 §8). */
  protectCommand(request: ProtectCommandRequest): Promise<ProtectedCommandData>;
}
