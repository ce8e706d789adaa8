import type { CardDiversificationData } from '../../crypto/card-key-factors.js';

/**
 * What a hospital terminal's security module does in a medical purchase (card-spec §7.3, §9.3):
 * a PSAM (INIT SAM FOR PURCHASE `80 70`, CREDIT SAM FOR PURCHASE `80 72`) or, for tests and the
 * emulated card, software from the published key file. The terminal never holds DPK.
 */
export interface PurchaseInitRequest {
  /** The card's random from INITIALIZE FOR PURCHASE (4 bytes). */
  cardRandom: Uint8Array;
  /** The card's offline (purchase) sequence from INITIALIZE FOR PURCHASE. */
  offlineSeq: number;
  accountFen: number;
  selfPayFen: number;
  poolingFen: number;
  /** Transaction type byte in MAC inputs: 02 purchase (emulator/README.md, the spec leaves it open). */
  type: number;
  /** CCYYMMDDhhmmss, 7 bytes BCD. */
  time: Uint8Array;
  /** Key version and algorithm id (FCI numbering: 01 DES/3DES, 03 SM4) from INITIALIZE FOR PURCHASE. */
  keyVersion: number;
  algorithmId: number;
  card: CardDiversificationData;
}

export interface PurchaseInitResult {
  /** The security module's terminal transaction sequence (PSAM EF 0019), 4 bytes. */
  terminalSeq: number;
  mac1: Uint8Array;
}

export interface PurchaseSecurity {
  /** The terminal number (PSAM EF 0016), 6 bytes: goes into INITIALIZE FOR PURCHASE and MAC1. */
  terminalId(): Promise<Uint8Array>;
  /** INIT SAM FOR PURCHASE: SESPK and MAC1 (card-spec §7.3 step 2). */
  initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult>;
  /** CREDIT SAM FOR PURCHASE: checks the card's MAC2; a wrong one is a SecurityError. */
  verifyMac2(mac2: Uint8Array): Promise<void>;
}
