import { concatBytes, constantTimeEqual, uintToBytes, wipe } from '../../bytes/bytes.js';
import { medicalMac, medicalSessionKey, purchaseSessionTail } from '../../crypto/medical-purse-mac.js';
import { SecurityError } from '../../errors.js';
import type { SoftwareKeyProvider } from '../keys/software-key-provider.js';
import { purseAlgorithm } from './medical-algorithm.js';
import type { PurchaseInitRequest, PurchaseInitResult, PurchaseSecurity } from './purchase-security.js';

/**
 * A PurchaseSecurity in software, from the published key file (DPK): what a PSAM does in INIT SAM
 * FOR PURCHASE and CREDIT SAM FOR PURCHASE, for tests and the emulated card. A real terminal uses
 * its PSAM and never holds DPK.
 */
export class SoftwarePurchaseSecurity implements PurchaseSecurity {
  private sequence: number;
  private pending: { cipher: '3des' | 'sm4'; sessionKey: Uint8Array; amounts: Uint8Array } | undefined;

  constructor(
    private readonly keys: SoftwareKeyProvider,
    private readonly terminal: Uint8Array,
    /** The terminal transaction sequence the next purchase uses (a PSAM keeps it in EF 0019). */
    firstSequence = 1,
  ) {
    this.sequence = firstSequence;
  }

  async terminalId(): Promise<Uint8Array> {
    return this.terminal.slice();
  }

  async initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult> {
    const algorithm = purseAlgorithm(request.algorithmId);
    const terminalSeq = this.sequence;
    this.sequence = (this.sequence + 1) >>> 0;
    const amounts = concatBytes(uintToBytes(request.accountFen, 4), uintToBytes(request.selfPayFen, 4), uintToBytes(request.poolingFen, 4));
    const sessionKey = this.keys.withCardKey('DPK', algorithm, request.card, (cipher, key) =>
      medicalSessionKey(cipher, key, request.cardRandom, request.offlineSeq, purchaseSessionTail(terminalSeq)),
    );
    this.forget();
    this.pending = { cipher: algorithm, sessionKey, amounts };
    const mac1 = medicalMac(algorithm, sessionKey, concatBytes(amounts, Uint8Array.of(request.type), this.terminal, request.time));
    return { terminalSeq, mac1 };
  }

  async verifyMac2(mac2: Uint8Array): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) throw new SecurityError('MAC2 without a purchase in progress');
    try {
      if (!constantTimeEqual(mac2, medicalMac(p.cipher, p.sessionKey, p.amounts))) {
        throw new SecurityError("the card's MAC2 does not verify: the card is not what it claims");
      }
    } finally {
      wipe(p.sessionKey);
    }
  }

  private forget(): void {
    if (this.pending !== undefined) wipe(this.pending.sessionKey);
    this.pending = undefined;
  }
}
