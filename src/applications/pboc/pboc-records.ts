/** What PbocSession returns. Amounts are whole fen (format with formatYuan), dates ISO strings. */

/** An application the card lists in its PSE/PPSE directory. */
export interface ApplicationCandidate {
  /** AID, hex. */
  aid: string;
  label?: string;
  /** 87 low nibble: 1 = highest; undefined when the card gives none. */
  priority?: number;
}

export interface BankCardInfo {
  aid: string;
  label?: string;
  /** Masked (first 6 and last 4 digits) unless read with `{ unmasked: true }`. */
  pan: string;
  panMasked: boolean;
  panSequenceNumber?: number;
  /** YYYY-MM-DD. */
  expiryDate: string;
  effectiveDate?: string;
  /** 5F20, trimmed. */
  cardholderName?: string;
  /** Issuer country (5F28), e.g. "0156". */
  issuerCountry?: string;
}

export interface ElectronicCashInfo {
  balanceFen: number;
  /** 9F77. */
  balanceLimitFen?: number;
  /** 9F78: the largest purchase without PIN. */
  singleTransactionLimitFen?: number;
  /** 9F51, e.g. "0156". */
  currencyCode?: string;
}

/** One record of the transaction log, decoded with the card's log format (9F4F). */
export interface TransactionLogEntry {
  /** YYYY-MM-DD (9A). */
  date?: string;
  /** HH:MM:SS (9F21), when the format has it. */
  time?: string;
  amountFen?: number;
  otherAmountFen?: number;
  countryCode?: string;
  currencyCode?: string;
  /** 9C, e.g. 0 = purchase. */
  transactionType?: number;
  merchantName?: string;
  atc?: number;
  /** Every field of the record, hex by tag, including those named above. */
  fields: Record<string, string>;
}

/** What a test terminal fills into the PDOL/CDOL1 beside the amount. */
export interface TerminalData {
  /** Transaction date, YYYY-MM-DD; default today (UTC). */
  date?: string;
  /** 9F37, 4 bytes; default random. */
  unpredictableNumber?: Uint8Array;
  /** 9F1A, default 0x0156. */
  countryCode?: number;
  /** 5F2A, default 0x0156. */
  currencyCode?: number;
  /** 9F66 terminal transaction qualifiers, 4 bytes; default 36 00 00 80 for quickPay (qPBOC). */
  ttq?: Uint8Array;
  /** 9C, default 00 (purchase). */
  transactionType?: number;
}

export type CryptogramType = 'AAC' | 'TC' | 'ARQC';

/**
 * An application cryptogram with everything an issuer needs to check it
 * (verifyApplicationCryptogram).
 */
export interface ApplicationCryptogram {
  type: CryptogramType;
  /** 9F27. */
  cid: number;
  atc: number;
  /** 9F26, 8 bytes. */
  cryptogram: Uint8Array;
  /** 9F10. */
  iad: Uint8Array;
  aip: Uint8Array;
  /** The data the cryptogram covers before AIP ‖ ATC ‖ IAD: CDOL1 data, or the PDOL data of a qPBOC GPO. */
  transactionData: Uint8Array;
  pan: string;
  panSequenceNumber: number;
}

export interface QuickPayResult extends ApplicationCryptogram {
  /** True when the card debited its electronic cash balance (TC). */
  approved: boolean;
  amountFen: number;
  /** 9F5D: what the card can still spend offline (its EC balance after this purchase). */
  balanceAfterFen?: number;
  /** Why the card declined (from its CVR), empty when approved. */
  declineReasons: DeclineReason[];
}

export type DeclineReason = 'zero-amount' | 'over-single-limit' | 'insufficient-balance' | 'wrong-currency';
