import { toHex } from '../../bytes/hex.js';
import type { CardKeyRequest } from '../../channel/key-provider.js';
import { SscardError } from '../../errors.js';

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
  return [request.card.regionCode, toHex(request.card.historicalBytes)];
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
