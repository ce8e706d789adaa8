import type { CardDiversificationData } from '../../crypto/card-key-factors.js';

/**
 * The back office's part of a load (card-spec §7.2 step 2): it checks the card's MAC1 under the
 * load session key (DLK is an HSM key), debits the personal account at the back end and answers
 * MAC2 over the host time. The terminal passes messages; it never holds DLK.
 */
export interface LoadAuthorizationRequest {
  card: CardDiversificationData;
  /** From INITIALIZE FOR LOAD. */
  balanceFen: number;
  onlineSeq: number;
  keyVersion: number;
  algorithmId: number;
  cardRandom: Uint8Array;
  mac1: Uint8Array;
  amountFen: number;
  /** Type byte in the MACs: 01 load (emulator/README.md "Choices"). */
  type: number;
  terminalId: Uint8Array;
}

export interface LoadAuthorization {
  /** Host time, CCYYMMDDhhmmss BCD (7 bytes). */
  time: Uint8Array;
  mac2: Uint8Array;
}

export interface LoadHost {
  /** Checks MAC1 (a wrong one is a SecurityError) and authorises the load with MAC2. */
  authorizeLoad(request: LoadAuthorizationRequest): Promise<LoadAuthorization>;
}
