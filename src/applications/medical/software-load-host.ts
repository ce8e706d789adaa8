import { encodeBcdDateTime } from '../../bytes/bcd-date.js';
import { concatBytes, constantTimeEqual, uintToBytes } from '../../bytes/bytes.js';
import { LOAD_SESSION_TAIL, medicalMac, medicalSessionKey } from '../../crypto/medical-purse-mac.js';
import { SecurityError } from '../../errors.js';
import type { SoftwareKeyProvider } from '../keys/software-key-provider.js';
import type { LoadAuthorization, LoadAuthorizationRequest, LoadHost } from './load-host.js';
import { purseAlgorithm } from './medical-algorithm.js';

/** A LoadHost in software from the published key file (DLK): for tests and the emulated card. */
export class SoftwareLoadHost implements LoadHost {
  constructor(
    private readonly keys: SoftwareKeyProvider,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async authorizeLoad(r: LoadAuthorizationRequest): Promise<LoadAuthorization> {
    const algorithm = purseAlgorithm(r.algorithmId);
    const time = encodeBcdDateTime(this.clock());
    return this.keys.withCardKey('DLK', algorithm, r.card, (cipher, key) => {
      const sessionKey = medicalSessionKey(cipher, key, r.cardRandom, r.onlineSeq, LOAD_SESSION_TAIL);
      try {
        const type = Uint8Array.of(r.type);
        const amount = uintToBytes(r.amountFen, 4);
        const mac1 = medicalMac(cipher, sessionKey, concatBytes(uintToBytes(r.balanceFen, 4), amount, type, r.terminalId));
        if (!constantTimeEqual(mac1, r.mac1)) throw new SecurityError("the card's load MAC1 does not verify");
        return { time, mac2: medicalMac(cipher, sessionKey, concatBytes(amount, type, r.terminalId, time)) };
      } finally {
        sessionKey.fill(0);
      }
    });
  }
}
