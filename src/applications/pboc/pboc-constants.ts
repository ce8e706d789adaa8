/** AIDs, directory names and tags of the PBOC 3.0 financial application (card-facts §7). */

export const PBOC_AIDS = {
  debit: 'A000000333010101',
  credit: 'A000000333010102',
  quasiCredit: 'A000000333010103',
} as const;

/** Contact directory `1PAY.SYS.DDF01` and contactless directory `2PAY.SYS.DDF01`. */
export const PSE_NAME = new TextEncoder().encode('1PAY.SYS.DDF01');
export const PPSE_NAME = new TextEncoder().encode('2PAY.SYS.DDF01');

export const TAG = {
  fci: 0x6f,
  dfName: 0x84,
  fciProprietary: 0xa5,
  sfi: 0x88,
  issuerDiscretionary: 0xbf0c,
  directoryEntry: 0x61,
  aid: 0x4f,
  label: 0x50,
  priority: 0x87,
  pdol: 0x9f38,
  logEntry: 0x9f4d,
  recordTemplate: 0x70,
  responseFormat2: 0x77,
  responseFormat1: 0x80,
  aip: 0x82,
  afl: 0x94,
  track2: 0x57,
  pan: 0x5a,
  expiry: 0x5f24,
  effective: 0x5f25,
  cardholderName: 0x5f20,
  panSequence: 0x5f34,
  cdol1: 0x8c,
  cid: 0x9f27,
  atc: 0x9f36,
  cryptogram: 0x9f26,
  iad: 0x9f10,
  availableOfflineAmount: 0x9f5d,
  ecBalance: 0x9f79,
  ecBalanceLimit: 0x9f77,
  ecSingleLimit: 0x9f78,
  lastOnlineAtc: 0x9f13,
  pinTries: 0x9f17,
  logFormat: 0x9f4f,
  applicationCurrency: 0x9f51,
  ttq: 0x9f66,
  amount: 0x9f02,
  otherAmount: 0x9f03,
  terminalCountry: 0x9f1a,
  tvr: 0x95,
  currency: 0x5f2a,
  date: 0x9a,
  time: 0x9f21,
  transactionType: 0x9c,
  unpredictableNumber: 0x9f37,
  merchantName: 0x9f4e,
} as const;

/** GET PROCESSING OPTIONS, GENERATE AC. */
export const INS = { gpo: 0xa8, generateAc: 0xae } as const;

/** P2 of VERIFY for the offline plaintext PIN. */
export const OFFLINE_PIN_REFERENCE = 0x80;

/** China: country 0156, currency 0156 (CNY). */
export const CHINA = 0x0156;
