import { fromHex, toHex } from '../../bytes/hex.js';
import type { CardAlgorithm, CardKeyRequest } from '../../channel/key-provider.js';
import type { HsmConnection } from './hsm-key-provider.js';
import { HSM_ALGORITHM_ID, HSM_KEY_ADDRESSES, HsmError, requestFields } from './hsm-request.js';
import type { CardKeyFile, ParsedKeyFile } from './key-file.js';
import { SoftwareKeyProvider } from './software-key-provider.js';

/**
 * An encryption machine in software: answers the request strings of hsm-request.ts from a key
 * file, for tests, QA and the emulated card's HIS development. It holds master keys in memory:
 * never for real cards.
 */
export class SoftwareHsm implements HsmConnection {
  private readonly keys: SoftwareKeyProvider;
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
    if (fields.length === 6) {
      const [alg, address, factor, original, region, historical] = fields as [string, string, string, string, string, string];
      const auth = await this.keys.authenticationData({
        ...this.card(alg, address, factor, region, historical),
        original: fromHex(original),
      });
      return `${toHex(auth)}${original.toUpperCase()}`;
    }
    if (fields.length === 7) {
      const [alg, address, factor, header, plaintext, region, historical] = fields as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const macInput = fromHex(header);
      const { data, mac } = await this.keys.protectCommand({
        ...this.card(alg, address, factor, region, historical),
        header: macInput,
        ...(plaintext === '' ? {} : { plaintext: fromHex(plaintext) }),
      });
      return toHex(plaintext === '' ? mac : new Uint8Array([...data, ...mac]));
    }
    throw new HsmError(`an HSM request has 6 or 7 fields, got ${fields.length}`);
  }

  private card(alg: string, address: string, factor: string, region: string, historical: string): CardKeyRequest {
    const algorithm = (Object.entries(HSM_ALGORITHM_ID).find(([, id]) => id === alg)?.[0] ??
      fail(`unknown algorithm id ${alg}`)) as CardAlgorithm;
    const key = this.names.get(address.toUpperCase()) ?? fail(`no key at address ${address}`);
    return { key, algorithm, processFactor: fromHex(factor), card: { regionCode: region, historicalBytes: fromHex(historical) } };
  }
}

function fail(message: string): never {
  throw new HsmError(message);
}
