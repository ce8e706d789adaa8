import { fromHex, toHex } from '../../bytes/hex.js';
import type { AuthenticationDataRequest, KeyProvider, ProtectCommandRequest, ProtectedCommandData } from '../../channel/key-provider.js';
import { encryptedFieldLength, SM_MAC_LENGTH } from '../../crypto/card-security.js';
import { authenticationRequestFields, cardSuffix, HsmError, protectRequestFields, requestLine } from './hsm-request.js';

/** A connection to an encryption machine: one request string in, one answer string out (hsm-request.ts). */
export interface HsmConnection {
  request(line: string): Promise<string>;
}

/**
 * The KeyProvider of a terminal that uses an encryption machine instead of a PSAM: every
 * operation is one request string of card-spec §10.5 (hsm-request.ts); no key ever reaches the
 * terminal. The transport to the HSM (a socket, the card-holder library's HTTP interface) is the
 * HsmConnection the terminal supplies; SoftwareHsm answers the same strings for tests.
 */
export class HsmKeyProvider implements KeyProvider {
  constructor(private readonly hsm: HsmConnection) {}

  async authenticationData(request: AuthenticationDataRequest): Promise<Uint8Array> {
    const answer = await this.ask(requestLine([...authenticationRequestFields(request), ...cardSuffix(request)]), 16);
    if (toHex(answer.subarray(8)) !== toHex(request.original))
      throw new HsmError('the HSM answered authentication data for other original data');
    return answer.slice(0, 8);
  }

  async protectCommand(request: ProtectCommandRequest): Promise<ProtectedCommandData> {
    const fieldLength = request.plaintext ? encryptedFieldLength(request.algorithm, request.plaintext.length) : 0;
    const answer = await this.ask(requestLine([...protectRequestFields(request), ...cardSuffix(request)]), fieldLength + SM_MAC_LENGTH);
    return {
      data: request.plaintext ? answer.slice(0, fieldLength) : (request.clearData ?? new Uint8Array(0)),
      mac: answer.slice(fieldLength),
    };
  }

  private async ask(line: string, length: number): Promise<Uint8Array> {
    const answer = (await this.hsm.request(line)).trim();
    if (!new RegExp(`^[0-9A-Fa-f]{${length * 2}}$`).test(answer)) {
      // Not quoted: whatever the HSM sent back (an echo of a reload request would hold the PIN).
      throw new HsmError(`the HSM answered ${answer.length} characters, not ${length} bytes of hex`);
    }
    return fromHex(answer);
  }
}
