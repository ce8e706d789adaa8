import { bytesToUint, uintToBytes } from '../../bytes/bytes.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import type { AuthenticationDataRequest, CardKeyRequest, ProtectCommandRequest } from '../../channel/key-provider.js';
import type { CardDiversificationData } from '../../crypto/card-key-factors.js';
import { SscardError } from '../../errors.js';
import type { PurchaseInitRequest } from '../medical/purchase-security.js';

/**
 * The request strings of an encryption machine (加密机) in the form of the real HSM log and the
 * card-holder library interface (card-spec §10.5): `|`-separated fields, hex in upper case,
 * a trailing `|`. sscard's two requests, each followed by the card's diversification data:
 *
 * - authentication data: `<alg>|<address>|<process factor>|<original>|<region>|<historical bytes>|`
 *   → `<authData 8><original 8>` (the log: `03|0090|<factor>|<original>|` → `<auth8><original8>`);
 * - secure messaging: `<alg>|<address>|<process factor>|<header>|<plaintext>|<region>|<historical bytes>|`
 *   → `<encrypted field><MAC 4>` (the log: `03|0173|<random>|8424000114|123456` → `<16 enc><4 MAC>`);
 *   `header` is what the MAC covers before the encrypted field (CLA INS P1 P2 Lc, plus clear data
 *   for an UPDATE with secure messaging); an empty plaintext gives the MAC alone.
 *
 * `alg` is the card's FCI algorithm id (01 DES/3DES, 03 SM4); `address` the HSM key address.
 */

/** HSM key addresses of the social security keys (SC annex B; card-spec §4.2), first version. */
export const HSM_KEY_ADDRESSES: Readonly<Record<string, string>> = {
  IRK: '0170',
  PUK: '0090',
  BK: '0091',
  LKDF03: '0092',
  LKDF04: '0093',
  UKSSSE: '0094',
  STK: '0173',
  STKDF04: '0175',
  RKSSSE: '004C',
  RK1DF04: '0182',
  UK1DF04: '00AC',
  UK2DF04: '017C',
};

/** The HSM refused a request or answered something that is not what the request asks for. */
export class HsmError extends SscardError {
  constructor(message: string) {
    super('EKEYSTORE', message);
  }
}

export const HSM_ALGORITHM_ID = { '3des': '01', sm4: '03' } as const;

export function hsmAddress(key: string): string {
  const address = HSM_KEY_ADDRESSES[key];
  if (address === undefined) throw new HsmError(`no HSM address is known for the key ${key}`);
  return address;
}

export function requestPrefix(request: CardKeyRequest): string[] {
  return [HSM_ALGORITHM_ID[request.algorithm], hsmAddress(request.key), toHex(request.processFactor)];
}

export function cardSuffix(request: CardKeyRequest): string[] {
  return cardDataFields(request.card);
}

/** The card's diversification data that ends a request: `<region>|<historical bytes>`. */
export function cardDataFields(card: CardDiversificationData): string[] {
  return [card.regionCode, toHex(card.historicalBytes)];
}

/** The authentication-data request's fields before the card's: `<alg>|<address>|<process factor>|<original>`. */
export function authenticationRequestFields(request: AuthenticationDataRequest): string[] {
  return [...requestPrefix(request), toHex(request.original)];
}

/** The secure-messaging request's fields before the card's: `<alg>|<address>|<process factor>|<header>|<plaintext>`. */
export function protectRequestFields(request: ProtectCommandRequest): string[] {
  const header = toHex(request.header) + (request.clearData ? toHex(request.clearData) : '');
  return [...requestPrefix(request), header, request.plaintext ? toHex(request.plaintext) : ''];
}

/**
 * The card-authentication request of a basic-information read (card-spec §10.5, SC fn 1.2):
 * `<region>|<historical bytes>|<alg>|<identifier>|<int factor>|<int original>|<ext factor>|<ext original>|<device id>|`
 * → `<int auth 8><int original 8>|<ext auth 8><ext original 8>|`, IRK inside and RKSSSE outside;
 * the external pair is empty where the card needs no external authentication (before 3.00).
 */
export interface CardAuthenticationRequest {
  regionCode: string;
  historicalBytes: Uint8Array;
  /** 01 DES/3DES, 03 SM4. */
  algorithmId: string;
  identifier: string;
  internal: { factor: Uint8Array; original: Uint8Array };
  external: { factor: Uint8Array; original: Uint8Array } | undefined;
  deviceId: string;
}

export const CARD_AUTHENTICATION_REQUEST_FIELDS = 9;

/** The request's fields without the device id: what iReadCardBas_HSM_Step1 outputs. */
export function cardAuthenticationFields(request: Omit<CardAuthenticationRequest, 'deviceId'>): string[] {
  return [
    request.regionCode,
    toHex(request.historicalBytes),
    request.algorithmId,
    request.identifier,
    toHex(request.internal.factor),
    toHex(request.internal.original),
    request.external ? toHex(request.external.factor) : '',
    request.external ? toHex(request.external.original) : '',
  ];
}

export function parseCardAuthenticationRequest(fields: string[]): CardAuthenticationRequest {
  const next = fieldReader(fields, CARD_AUTHENTICATION_REQUEST_FIELDS, 'a card-authentication request');
  const regionCode = next();
  const historicalBytes = hexField(next());
  const algorithmId = next();
  const identifier = next();
  const pair = (factor: string, original: string) => ({ factor: hexField(factor), original: hexField(original, 8) });
  const internal = pair(next(), next());
  const [extFactor, extOriginal] = [next(), next()];
  return {
    regionCode,
    historicalBytes,
    algorithmId,
    identifier,
    internal,
    external: extFactor === '' && extOriginal === '' ? undefined : pair(extFactor, extOriginal),
    deviceId: next(),
  };
}

/** Reads a request's fields in order; the request has exactly `count` of them. */
export function fieldReader(fields: string[], count: number, what: string): () => string {
  if (fields.length !== count) throw new HsmError(`${what} has ${count} fields, got ${fields.length}`);
  let at = 0;
  return () => fields[at++]!;
}

/** Authentication data ‖ original, as 32 hex digits (an HSM answer, a Step2 pKey). */
export interface AuthenticationProof {
  authData: Uint8Array;
  original: Uint8Array;
}

export function formatAuthenticationProof(proof: AuthenticationProof): string {
  return toHex(proof.authData) + toHex(proof.original);
}

/** `<auth 8><original 8>`: 32 hex digits. */
export function parseAuthenticationProof(text: string): AuthenticationProof {
  const bytes = hexField(text, 16);
  return { authData: bytes.slice(0, 8), original: bytes.slice(8) };
}

/** Hex of an HSM answer or request field, of `length` bytes when given. */
export function hexField(text: string, length?: number): Uint8Array {
  const count = length === undefined ? '+' : `{${length}}`;
  if (!new RegExp(`^(?:[0-9A-Fa-f]{2})${count}$`).test(text)) {
    throw new HsmError(`"${text.slice(0, 40)}" is not ${length === undefined ? 'hex' : `${length} bytes of hex`}`);
  }
  return fromHex(text);
}

/** `a|b|c|` */
export function requestLine(fields: string[]): string {
  return `${fields.join('|')}|`;
}

/** Splits a request line into its fields (the trailing `|` ends the last one). */
export function requestFields(line: string): string[] {
  if (!line.endsWith('|')) throw new HsmError('an HSM request ends with "|"');
  return line.slice(0, -1).split('|');
}

/** HSM addresses of DPK by key version, group 01 (SC annex B: 017F, 0199, 019C). */
export const DPK_HSM_ADDRESSES: Readonly<Record<number, string>> = { 1: '017F', 2: '0199', 3: '019C' };

export function dpkAddress(keyVersion: number): string {
  const address = DPK_HSM_ADDRESSES[keyVersion];
  if (address === undefined) throw new HsmError(`no HSM address is known for DPK version ${keyVersion}`);
  return address;
}

/**
 * The MAC1 request of a medical purchase (SC fn 8.2, the fields of iDoDebit_HSM_Step1), then the
 * card's diversification data: `<alg>|<DPK address>|<card random 4>|<offline seq 2>|<account 4 ‖
 * self-pay 4 ‖ pooling 4>|<type 1>|<terminal number>|<time CCYYMMDDhhmmss>|<region>|<historical bytes>|`
 * → `<terminal seq 4>|<time>|<MAC1 4>|` (what iDoDebit_HSM_Step2 takes as pKey). Numbers in hex.
 */
export const PURCHASE_MAC_REQUEST_FIELDS = 10;

export type PurchaseMacRequest = Omit<PurchaseInitRequest, 'card'> & { terminalId: Uint8Array };

export function purchaseMacFields(request: PurchaseMacRequest): string[] {
  const hex = (n: number, bytes: number) => toHex(uintToBytes(n, bytes));
  return [
    hex(request.algorithmId, 1),
    dpkAddress(request.keyVersion),
    toHex(request.cardRandom),
    hex(request.offlineSeq, 2),
    hex(request.accountFen, 4) + hex(request.selfPayFen, 4) + hex(request.poolingFen, 4),
    hex(request.type, 1),
    toHex(request.terminalId),
    toHex(request.time),
  ];
}

export function parsePurchaseMacRequest(fields: string[]): PurchaseMacRequest & { card: CardDiversificationData } {
  const next = fieldReader(fields, PURCHASE_MAC_REQUEST_FIELDS, 'a MAC1 request');
  const number = (text: string, bytes: number) => bytesToUint(hexField(text, bytes));
  const algorithmId = number(next(), 1);
  const address = next().toUpperCase();
  const keyVersion = Object.entries(DPK_HSM_ADDRESSES).find(([, a]) => a === address)?.[0];
  if (keyVersion === undefined) throw new HsmError(`no DPK at address ${address}`);
  const cardRandom = hexField(next(), 4);
  const offlineSeq = number(next(), 2);
  const amount = hexField(next(), 12);
  return {
    algorithmId,
    keyVersion: Number(keyVersion),
    cardRandom,
    offlineSeq,
    accountFen: bytesToUint(amount.subarray(0, 4)),
    selfPayFen: bytesToUint(amount.subarray(4, 8)),
    poolingFen: bytesToUint(amount.subarray(8, 12)),
    type: number(next(), 1),
    terminalId: hexField(next(), 6),
    time: hexField(next(), 7),
    card: { regionCode: next(), historicalBytes: hexField(next()) },
  };
}

/** The MAC1 answer: `<terminal seq 4>|<time>|<MAC1 4>|`. */
export function formatPurchaseMacAnswer(answer: { terminalSeq: number; time: Uint8Array; mac1: Uint8Array }): string {
  return requestLine([toHex(uintToBytes(answer.terminalSeq, 4)), toHex(answer.time), toHex(answer.mac1)]);
}

/**
 * sscard's MAC2 check of a medical purchase (its gateway protocol; the HSM log and the card-holder
 * library have none): the MAC1 request's fields, the terminal sequence its answer gave and the
 * card's MAC2, then the card's diversification data: `<alg>|<DPK address>|<card random 4>|<offline
 * seq 2>|<amounts 12>|<type 1>|<terminal number>|<time>|<terminal seq 4>|<MAC2 4>|<region>|<historical
 * bytes>|` → `9000` when MAC2 is right; any other answer is a refusal. Stateless: the HSM recomputes
 * the session key from the request, so it need not be the one (or the process) that gave MAC1.
 * Twelve fields: no other request has that many.
 */
export const PURCHASE_MAC2_CHECK_REQUEST_FIELDS = 12;

/** The MAC2 check's answer when MAC2 is right. */
export const MAC2_RIGHT = '9000';

export type PurchaseMac2CheckRequest = PurchaseMacRequest & { terminalSeq: number; mac2: Uint8Array };

export function purchaseMac2CheckFields(request: PurchaseMac2CheckRequest): string[] {
  return [...purchaseMacFields(request), toHex(uintToBytes(request.terminalSeq, 4)), toHex(request.mac2)];
}

export function parsePurchaseMac2CheckRequest(fields: string[]): PurchaseMac2CheckRequest & { card: CardDiversificationData } {
  if (fields.length !== PURCHASE_MAC2_CHECK_REQUEST_FIELDS) {
    throw new HsmError(`a MAC2 check has ${PURCHASE_MAC2_CHECK_REQUEST_FIELDS} fields, got ${fields.length}`);
  }
  const [seq, mac2] = fields.slice(8, 10) as [string, string];
  return {
    ...parsePurchaseMacRequest([...fields.slice(0, 8), ...fields.slice(10)]),
    terminalSeq: bytesToUint(hexField(seq, 4)),
    mac2: hexField(mac2, 4),
  };
}
