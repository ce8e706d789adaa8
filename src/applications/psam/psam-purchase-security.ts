import type { PurchaseInitRequest, PurchaseInitResult, PurchaseSecurity } from '../medical/purchase-security.js';
import { PSAM_PURCHASE_KEY_USAGE, psamFactors } from './psam-key-references.js';
import type { PsamSession } from './psam-session.js';

/**
 * The PurchaseSecurity of a hospital terminal with a PSAM (card-spec §7.3, §9.3): the terminal id
 * is the PSAM's terminal number (EF 0016), MAC1 comes from INIT SAM FOR PURCHASE `80 70` with the
 * card's factors at DPK's levels (usage byte 22: the card factor alone), and CREDIT SAM FOR
 * PURCHASE `80 72` checks MAC2. `purchaseKeyUsage` is for a PSAM whose DPK root sits higher.
 */
export class PsamPurchaseSecurity implements PurchaseSecurity {
  constructor(
    private readonly psam: PsamSession,
    private readonly purchaseKeyUsage = PSAM_PURCHASE_KEY_USAGE,
  ) {}

  async terminalId(): Promise<Uint8Array> {
    return this.psam.terminalId();
  }

  async initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult> {
    const { card, ...purchase } = request;
    return this.psam.initPurchase({ ...purchase, factors: psamFactors(this.purchaseKeyUsage, card) });
  }

  async verifyMac2(mac2: Uint8Array): Promise<void> {
    await this.psam.creditPurchase(mac2);
  }
}
