/** What the social security application says about the card (EF05). */
export interface CardData {
  /** 16-byte card identifier (卡识别码) in hex. */
  cardIdentifier: string;
  /** Region code from the identifier's first 3 BCD bytes, e.g. "330300". */
  regionCode: string;
  cardType: string;
  /** "1.00", "2.00" or "3.00": tells the card generation apart. */
  specVersion: string;
  issuingOrg: string;
  /** ISO dates, YYYY-MM-DD. */
  issueDate: string;
  expiryDate: string;
  cardNumber: string;
}

/** The cardholder (EF06). */
export interface Cardholder {
  /** Social security number (= citizen id). */
  ssn: string;
  /** Full name: EF06 name with the 2.00+ name extension joined. */
  name: string;
  /** Sex code: "1" male, "2" female, as on the card. */
  sexCode: string;
  sex: 'male' | 'female' | 'unknown';
  /** Ethnicity code, "01" = Han. */
  ethnicity: string;
  /** Birthplace region code. */
  birthplace: string;
  birthDate: string;
}
