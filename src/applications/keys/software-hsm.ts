import { fromHex, toHex } from '../../bytes/hex.js';
import type { CardAlgorithm, CardKeyRequest } from '../../channel/key-provider.js';
import type { CardDiversificationData } from '../../crypto/card-key-factors.js';
import { SecurityError } from '../../errors.js';
import { SoftwarePurchaseSecurity } from '../medical/software-purchase-security.js';
import type { HsmConnection } from './hsm-key-provider.js';
import {
  CARD_AUTHENTICATION_REQUEST_FIELDS,
  type CardAuthenticationRequest,
  fieldReader,
  formatAuthenticationProof,
  formatPurchaseMacAnswer,
  HSM_ALGORITHM_ID,
  HSM_KEY_ADDRESSES,
  HsmError,
  MAC2_RIGHT,
  PURCHASE_MAC_REQUEST_FIELDS,
  PURCHASE_MAC2_CHECK_REQUEST_FIELDS,
  type PurchaseMac2CheckRequest,
  type PurchaseMacRequest,
  parseCardAuthenticationRequest,
  parsePurchaseMac2CheckRequest,
  parsePurchaseMacRequest,
  requestFields,
  requestLine,
} from './hsm-request.js';
import type { CardKeyFile, ParsedKeyFile } from './key-file.js';
import { SoftwareKeyProvider } from './software-key-provider.js';

/**
 * An encryption machine in software: answers the request strings of hsm-request.ts from a key
 * file, for tests, QA and the emulated card's HIS development. It holds master keys in memory:
 * never for real cards.
 */
export class SoftwareHsm implements HsmConnection {
  private readonly keys: SoftwareKeyProvider;
  /** The terminal transaction sequence the next MAC1 gets (a PSAM keeps it in EF 0019). */
  private terminalSeq = 1;
  private readonly names = new Map(Object.entries(HSM_KEY_ADDRESSES).map(([name, address]) => [address, name]));

  constructor(file: CardKeyFile | ParsedKeyFile) {
    this.keys = new SoftwareKeyProvider(file);
  }

  static async fromFile(path: string): Promise<SoftwareHsm> {
    const { readKeyFile } = await import('./key-file.js');
    return new SoftwareHsm(await readKeyFile(path));
  }

  async request(line: string): Promise<string> {
    const fields = requestFields(line);
    if (fields.length === CARD_AUTHENTICATION_REQUEST_FIELDS) return this.cardAuthentication(parseCardAuthenticationRequest(fields));
    if (fields.length === PURCHASE_MAC_REQUEST_FIELDS) return this.purchaseMac(parsePurchaseMacRequest(fields));
    if (fields.length === PURCHASE_MAC2_CHECK_REQUEST_FIELDS) return this.checkMac2(parsePurchaseMac2CheckRequest(fields));
    if (fields.length === 6) {
      const next = fieldReader(fields, 6, 'an authentication request');
      const [alg, address, factor, original] = [next(), next(), next(), next()];
      const auth = await this.keys.authenticationData({ ...this.card(alg, address, factor, next(), next()), original: fromHex(original) });
      return `${toHex(auth)}${original.toUpperCase()}`;
    }
    if (fields.length === 7) {
      const next = fieldReader(fields, 7, 'a secure-messaging request');
      const [alg, address, factor, header, plaintext] = [next(), next(), next(), next(), next()];
      const { data, mac } = await this.keys.protectCommand({
        ...this.card(alg, address, factor, next(), next()),
        header: fromHex(header),
        ...(plaintext === '' ? {} : { plaintext: fromHex(plaintext) }),
      });
      return toHex(plaintext === '' ? mac : new Uint8Array([...data, ...mac]));
    }
    throw new HsmError(`an HSM request has 6, 7, 9, 10 or 12 fields, got ${fields.length}`);
  }

  /** IRK's authentication data over the internal pair, RKSSSE's over the external one (card-spec §10.5). */
  private async cardAuthentication(request: CardAuthenticationRequest): Promise<string> {
    const algorithm = algorithmOf(request.algorithmId);
    const card = { regionCode: request.regionCode, historicalBytes: request.historicalBytes };
    const proof = async (key: string, pair: { factor: Uint8Array; original: Uint8Array } | undefined) =>
      pair === undefined
        ? ''
        : formatAuthenticationProof({
            authData: await this.keys.authenticationData({ key, algorithm, card, processFactor: pair.factor, original: pair.original }),
            original: pair.original,
          });
    return requestLine([await proof('IRK', request.internal), await proof('RKSSSE', request.external)]);
  }

  /** MAC1 of a medical purchase under DPK, with the HSM's own terminal transaction sequence. */
  private async purchaseMac(request: PurchaseMacRequest & { card: CardDiversificationData }): Promise<string> {
    const { terminalId, ...init } = request;
    const security = new SoftwarePurchaseSecurity(this.keys, terminalId, this.terminalSeq);
    const { terminalSeq, mac1 } = await security.initPurchase(init);
    this.terminalSeq = (terminalSeq + 1) >>> 0;
    return formatPurchaseMacAnswer({ terminalSeq, time: request.time, mac1 });
  }

  /**
   * The purchase's session key and MAC2 recomputed from the request alone (its terminal sequence,
   * not this HSM's): a restarted HSM, or another one, checks a MAC1 it did not give.
   */
  private async checkMac2(request: PurchaseMac2CheckRequest & { card: CardDiversificationData }): Promise<string> {
    const { terminalId, terminalSeq, mac2, ...init } = request;
    const security = new SoftwarePurchaseSecurity(this.keys, terminalId, terminalSeq);
    await security.initPurchase(init);
    return security.verifyMac2(mac2).then(
      () => MAC2_RIGHT,
      (error: unknown) => {
        if (error instanceof SecurityError) return MAC2_WRONG;
        throw error;
      },
    );
  }

  private card(alg: string, address: string, factor: string, region: string, historical: string): CardKeyRequest {
    const algorithm = algorithmOf(alg);
    const key = this.names.get(address.toUpperCase()) ?? fail(`no key at address ${address}`);
    return { key, algorithm, processFactor: fromHex(factor), card: { regionCode: region, historicalBytes: fromHex(historical) } };
  }
}

/** The MAC2 check's refusal: CREDIT SAM FOR PURCHASE's status for a wrong MAC. */
const MAC2_WRONG = '9302';

function algorithmOf(id: string): CardAlgorithm {
  return (Object.entries(HSM_ALGORITHM_ID).find(([, known]) => known === id)?.[0] ?? fail(`unknown algorithm id ${id}`)) as CardAlgorithm;
}

function fail(message: string): never {
  throw new HsmError(message);
}
