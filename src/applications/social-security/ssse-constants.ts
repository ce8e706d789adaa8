import { fromHex } from '../../bytes/hex.js';

/** DF name of the social security DDF: "sx1.sh." + GBK "社会保障" (card-spec §2.1). */
export const SSSE_DF_NAME = fromHex('7378312E73682EC9E7BBE1B1A3D5CF');
/** The ministry's registered application provider id, inside every card identifier. */
export const MOHRSS_RID = fromHex('D156000005');
/** DF04 medical insurance: AID and file id. */
export const MEDICAL_DF_NAME = fromHex('D15600000503');
export const MEDICAL_DF_FID = 0xdf04;

export const EF = {
  cardData: { fid: 0xef05, sfi: 5 },
  cardholder: { fid: 0xef06, sfi: 6 },
  fingerprint: { fid: 0xef07, sfi: 7 },
  photo: { fid: 0xef08, sfi: 8 },
  personId: { fid: 0xef0d, sfi: 13 },
} as const;

/** Record tags of EF05 (card data) and EF06 (cardholder). */
export const TAG = {
  cardIdentifier: 0x01,
  cardType: 0x02,
  specVersion: 0x03,
  issuingOrg: 0x04,
  issueDate: 0x05,
  expiryDate: 0x06,
  cardNumber: 0x07,
  ssn: 0x08,
  name: 0x09,
  nameExtension: 0x4e,
  sex: 0x0a,
  ethnicity: 0x0b,
  birthplace: 0x0c,
  birthDate: 0x0d,
} as const;

/**
 * Value lengths of the EF05/EF06 items (V2 T9, card-spec §3.2–3.3). Terminals read each record
 * with its exact Le (TR1: `00 B2 08 00 14`): on a T=0 card Le 00 costs a 6Cxx round trip.
 */
export const TAG_VALUE_LENGTH: Readonly<Record<number, number>> = {
  [TAG.cardIdentifier]: 0x10,
  [TAG.cardType]: 1,
  [TAG.specVersion]: 4,
  [TAG.issuingOrg]: 0x0c,
  [TAG.issueDate]: 4,
  [TAG.expiryDate]: 4,
  [TAG.cardNumber]: 9,
  [TAG.ssn]: 0x12,
  [TAG.name]: 0x1e,
  [TAG.nameExtension]: 0x14,
  [TAG.sex]: 1,
  [TAG.ethnicity]: 1,
  [TAG.birthplace]: 3,
  [TAG.birthDate]: 4,
};

/**
 * The card key ids of the keys a terminal authenticates with, by specification name (card-spec
 * §4.2, P9 annex B; 8x = DF level).
 */
export const SSSE_KEYS = {
  UKSSSE: 0x04,
  BK: 0x05,
  PUK: 0x06,
  RKSSSE: 0x0a,
  LKDF04: 0x83,
  RK1DF04: 0x84,
  UK1DF04: 0x85,
  UK2DF04: 0x86,
} as const;

/** Algorithm identifiers of the SSSE FCI (`9F0C { 86 01 xx }`, card-spec §2.2). */
export const SSSE_ALGORITHM_ID = { des: 0x01, ssf33: 0x02, sm4: 0x03 } as const;
