/**
 * Who a sample card belongs to and what it is: the data every application part of a profile
 * draws from, so that the social security, PKI, bank and purse applications of one card agree.
 */
export interface CardIdentity {
  /** Profile file name without .json, e.g. "default", "ss-2.00". */
  profileName: string;
  description: string;
  specVersion: '1.00' | '2.00' | '3.00';
  /** Contact ATR, hex (T=0 `3B 6D 00 00` + 13 historical bytes on real contact cards). */
  atr: string;
  /** Region code, 6 digits (card-facts §2), e.g. "330300". */
  regionCode: string;
  /** 8 card-unique bytes of the card identifier, hex. */
  cardSerial: string;
  cardType: string;
  issuingOrg: string;
  issueDate: string;
  expiryDate: string;
  cardNumber: string;
  ssn: string;
  /** Name as it fits EF06 tag 09 (30 bytes GBK) … */
  name: string;
  /** … and the rest of a long name in tag 4E (2.00+). */
  nameExtension?: string;
  sexCode: '1' | '2';
  ethnicity: string;
  birthplace: string;
  birthDate: string;
  /** Initial social security PIN: 123456, or 888888 in regions that use it. */
  pin: string;
  /** Contactless interface (3rd generation cards are dual interface). */
  contactless?: { uid: string; ats: string };
  /** Financial application: PAN digits (the bank card number printed on the card). */
  pan?: string;
  /** Name as the bank application holds it (ASCII, EMV 5F20). */
  bankName?: string;
}
