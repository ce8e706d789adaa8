import { concatBytes, wipe } from '../../bytes/bytes.js';
import type {
  AuthenticationDataRequest,
  CardKeyRequest,
  KeyProvider,
  ProtectCommandRequest,
  ProtectedCommandData,
} from '../../channel/key-provider.js';
import { cipherBlockSize, dataFieldBlocks } from '../../crypto/card-security.js';
import { padIso9797M2 } from '../../crypto/padding.js';
import { KeyNotFoundError } from '../keys/software-key-provider.js';
import { PSAM_KEY_REFERENCES, type PsamKeyReference, psamFactors } from './psam-key-references.js';
import type { PsamSession } from './psam-session.js';

/**
 * The KeyProvider of a terminal with a PSAM (card-spec §9.3): every operation is DELIVERY SESSION
 * KEY (the key's PSAM reference, the card's factors at the key's levels, the process factor)
 * followed by CIPHER DATA; no key reaches the terminal.
 *
 * - Authentication data (card-spec §5.2): DES cards — CIPHER DATA encrypts the 8-byte original,
 *   the answer is DES(SK, original); SM4 cards — it encrypts original ‖ 00×8 and the terminal
 *   XORs the two halves of SM4(SK, original ‖ 00×8), the L ⊕ R of P4 §9.
 * - Secure messaging (card-spec §5.3–5.4): CIPHER DATA encrypts LD ‖ data ‖ pad, then MACs
 *   zero IV ‖ header ‖ field ‖ 80 00… under the same session key.
 *
 * The process factor (the card's 8-byte random) is padded with 00 to the PSAM's session-factor
 * length, one block of the card's cipher (the session key of card-spec §5.1 pads it alike).
 */
export class PsamKeyProvider implements KeyProvider {
  constructor(
    private readonly psam: PsamSession,
    private readonly references: Readonly<Record<string, PsamKeyReference>> = PSAM_KEY_REFERENCES,
  ) {}

  // Each operation holds the PSAM (channel.exclusive): another caller's DELIVERY SESSION KEY between
  // ours and our CIPHER DATA would change the key it works under.
  authenticationData(request: AuthenticationDataRequest): Promise<Uint8Array> {
    return this.psam.channel.exclusive(async () => {
      const block = await this.deliver(request);
      const input = new Uint8Array(block);
      input.set(request.original);
      const out = await this.psam.encrypt(input, block);
      if (block === 8) return out;
      const auth = new Uint8Array(8);
      for (let i = 0; i < 8; i++) auth[i] = out[i]! ^ out[i + 8]!;
      return auth;
    });
  }

  protectCommand(request: ProtectCommandRequest): Promise<ProtectedCommandData> {
    return this.psam.channel.exclusive(async () => {
      const block = await this.deliver(request);
      let data = request.clearData ?? new Uint8Array(0);
      if (request.plaintext !== undefined) {
        const field = dataFieldBlocks(request.algorithm, request.plaintext);
        try {
          data = await this.psam.encrypt(field, block);
        } finally {
          wipe(field);
        }
      }
      const mac = await this.psam.mac(new Uint8Array(block), padIso9797M2(concatBytes(request.header, data), block));
      return { data, mac };
    });
  }

  /** DELIVERY SESSION KEY for the request's key; the block size of the session key's cipher. */
  private async deliver(request: CardKeyRequest): Promise<number> {
    const ref = this.references[request.key];
    if (ref === undefined) throw new KeyNotFoundError(`"${request.key}" (the PSAM holds no such key)`);
    const factors = psamFactors(ref.usage, request.card);
    const block = cipherBlockSize(request.algorithm);
    const sessionFactor = new Uint8Array(block);
    sessionFactor.set(request.processFactor.subarray(0, block));
    await this.psam.deliverSessionKey(ref, factors, sessionFactor, `delivering the session key of ${request.key} (PSAM)`);
    return block;
  }
}
