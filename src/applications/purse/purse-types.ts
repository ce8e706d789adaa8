/** What the TransportPurseSession returns. Money is whole fen; dates are ISO strings. */

export interface PurseBalance {
  /** Balance in fen. */
  fen: number;
  /** The same in yuan, "12.34". */
  yuan: string;
}

/** The card information file (SFI 15). */
export interface PurseCardInfo {
  /** Issuer identifier, 8 bytes hex. */
  issuerId: string;
  applicationType: number;
  applicationVersion: number;
  /** Application serial number (the transport card number): 20 digits. */
  cardNumber: string;
  /** The last 8 bytes of the serial number, hex: the diversification factor of the purse keys. */
  asn8: string;
  /** YYYY-MM-DD. */
  validFrom: string;
  validUntil: string;
}

export type PurseTransactionKind = 'ed-load' | 'ep-load' | 'ed-purchase' | 'ep-purchase' | 'compound-purchase' | 'unknown';

/** One transaction detail record (SFI 18), most recent first. */
export interface PurseTransaction {
  /** The ATC the transaction ran under (online ATC for loads, offline for purchases). */
  atc: number;
  overdraftLimitFen: number;
  amountFen: number;
  amountYuan: string;
  type: number;
  kind: PurseTransactionKind;
  terminalId: string;
  /** "YYYY-MM-DDThh:mm:ss" (local time of the terminal, no zone). */
  dateTime: string;
}

/** One metro trip record (SFI 1E), most recent first. Layout: see trip-record.ts. */
export interface PurseTrip {
  kind: 'entry' | 'exit' | 'other';
  recordType: number;
  atc: number;
  amountFen: number;
  terminalId: string;
  dateTime: string;
  balanceAfterFen: number;
  /** Line/station code, 4 bytes hex. */
  station: string;
}

/** The terminal side of a load or purchase. */
export interface PurseTerminal {
  /** Terminal (POS / PSAM) id, 6 bytes as 12 hex digits. */
  terminalId: string;
  /** Terminal transaction sequence number (purchases; 4 bytes). Default 1. */
  transactionSeq?: number;
  /** Key index the card selects its keys by; default 1. */
  keyIndex?: number;
  /** When the transaction happens; default now. Written to the card as local date and time. */
  at?: Date;
}

export interface PurseLoadResult {
  balanceBeforeFen: number;
  balanceAfterFen: number;
  amountFen: number;
  /** Online ATC the load ran under. */
  onlineAtc: number;
  algorithm: '3des' | 'sm4';
  keyVersion: number;
  /** TAC from the card, hex. */
  tac: string;
  /** True when the key provider could check the TAC (it was then right: a wrong one throws). */
  tacVerified: boolean;
}

export interface PursePurchaseResult {
  balanceBeforeFen: number;
  balanceAfterFen: number;
  amountFen: number;
  /** Offline ATC the purchase ran under. */
  offlineAtc: number;
  algorithm: '3des' | 'sm4';
  keyVersion: number;
  tac: string;
  mac2: string;
  tacVerified: boolean;
  compound: boolean;
}

/** A compound (metro) purchase: the records written atomically with the debit. */
export interface CompoundPurchase {
  /** Replacement of the tagged record in the compound-application data file (SFI 17), hex, starting with the tag. */
  cappRecord?: string;
  /** A trip record to add to SFI 1E. */
  trip?: { kind: 'entry' | 'exit'; station: string };
}
