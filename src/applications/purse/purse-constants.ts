/** The transport e-purse (交通联合, JT/T 978; card-facts §8): AID, commands and files. */

export const PURSE_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x06, 0x32, 0x01, 0x01, 0x05]);
/** The same ADF as DF 1001 under the MF, for terminals that select by file id. */
export const PURSE_FID = 0x1001;

export const PURSE_INS = {
  getBalance: 0x5c,
  initialize: 0x50,
  creditForLoad: 0x52,
  debitForPurchase: 0x54,
  updateCappDataCache: 0xdc,
} as const;

/** P1 of INITIALIZE. */
export const INIT_P1 = { load: 0x00, purchase: 0x01, compoundPurchase: 0x03 } as const;
/** P2 of GET BALANCE / INITIALIZE: the electronic purse. */
export const P2_EP = 0x02;

export const TRANSACTION_TYPE = { edLoad: 0x01, epLoad: 0x02, edPurchase: 0x05, epPurchase: 0x06, compoundPurchase: 0x09 } as const;

export const PURSE_SFI = { cardInfo: 0x15, compoundData: 0x17, transactions: 0x18, trips: 0x1e } as const;

export const DETAIL_RECORD_LENGTH = 23;
export const TRIP_RECORD_LENGTH = 48;
/** Capacity of the cyclic files (card-facts §8). */
export const MAX_TRANSACTIONS = 10;
export const MAX_TRIPS = 30;

/** Algorithm id byte of the INITIALIZE answers: 00 3DES; 04 the SM4 variant (this project's choice). */
export const ALGORITHM_ID = { '3des': 0x00, sm4: 0x04 } as const;

/** Card-facts §1: a purse holds at most 1000 yuan. */
export const PURSE_BALANCE_LIMIT_FEN = 100_000;

export const PURSE_SW = { macInvalid: 0x9302, insufficientBalance: 0x9401, keyIndexNotSupported: 0x9403 } as const;
