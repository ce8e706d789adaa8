/**
 * The transport e-purse (交通联合, JT/T 978 / PBOC e-purse) as the emulator implements it
 * (card-facts §8). Constants shared by the command handlers.
 */

/** Name of the CardApplication; profiles put it on the purse ADF (`"application": "transport-purse"`). */
export const PURSE_APPLICATION = 'transport-purse';

/** Transaction types (card-facts §8). */
export const TXN = { edLoad: 0x01, epLoad: 0x02, edPurchase: 0x05, epPurchase: 0x06, compoundPurchase: 0x09 } as const;

/** P2 of GET BALANCE / INITIALIZE: 02 = electronic purse (01, the passbook, is not on these cards). */
export const P2_EP = 0x02;

/** P1 of INITIALIZE (INS 50). */
export const INIT = { load: 0x00, purchase: 0x01, compoundPurchase: 0x03 } as const;

/** Short file identifiers of the purse ADF. */
export const SFI = {
  cardInfo: 0x15,
  compoundData: 0x17,
  transactions: 0x18,
  trips: 0x1e,
} as const;

/** Length of a transaction detail record: ATC 2, overdraft 3, amount 4, type 1, terminal 6, date 4, time 3. */
export const DETAIL_RECORD_LENGTH = 23;
/** Length of a metro trip record (SFI 1E). */
export const TRIP_RECORD_LENGTH = 48;

/**
 * Proprietary data objects on the purse ADF that configure the purse (readable with GET DATA,
 * nothing secret): balance limit (4 bytes, fen), initial balance (4 bytes, fen), overdraft limit
 * (3 bytes, fen).
 */
export const PURSE_DATA_OBJECT = { balanceLimit: 0xdf40, initialBalance: 0xdf41, overdraftLimit: 0xdf42 } as const;

/** Card-facts §1: at most 1000 yuan. */
export const DEFAULT_BALANCE_LIMIT_FEN = 100_000;

/**
 * Algorithm id byte of the INITIALIZE answers: 00 = 3DES (the published form). 04 for the SM4
 * variant is this project's choice by analogy with the SM4 algorithm id of other Chinese
 * financial specs [inferred]; the key's algorithm in the profile decides which one a card uses.
 */
export const ALGORITHM_ID = { '3des': 0x00, sm4: 0x04 } as const;

/** Status words specific to the purse (card-facts §9). */
export const PURSE_SW = {
  MAC_INVALID: 0x9302,
  INSUFFICIENT_BALANCE: 0x9401,
  KEY_INDEX_NOT_SUPPORTED: 0x9403,
} as const;

/** The highest value of a 2-byte ATC: the purse refuses further transactions of that kind. */
export const MAX_ATC = 0xffff;
