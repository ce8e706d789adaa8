/**
 * The JSON shape of a card profile (emulator/profiles/*.json): everything a card is made of
 * before it is used. Mutable parts (written EFs, PIN tries, blocked flags) live in the state
 * file instead. Byte fields are hex strings; identifiers (FIDs, PIN and key ids) are hex too.
 * profile-loader.ts validates a parsed document against these types.
 */

export const PROFILE_FORMAT = 'sscard-card-profile/1';

export interface CardProfile {
  format: typeof PROFILE_FORMAT;
  /** Short name, stored in the state file so a state is never applied to another card. */
  name: string;
  description?: string;
  /** Contact ATR, hex. */
  atr: string;
  /** Transmission behaviour on the contact interface. Contactless is always T=1-like (T=CL). */
  protocol: 'T=0' | 'T=1';
  contactless?: ContactlessProfile;
  settings?: CardSettings;
  /** The master file and everything under it. */
  mf: DedicatedFileProfile;
}

export interface ContactlessProfile {
  /** UID (4, 7 or 10 bytes), answered to `FF CA 00 00 00`. */
  uid: string;
  /** ATS without CRC (TL T0 TA TB TC historical bytes); its historical bytes go into the synthesized ATR. */
  ats?: string;
  /** Explicit ATR for the contactless slot; default: synthesized per PC/SC part 3 from the ATS. */
  atr?: string;
}

export interface CardSettings {
  /** Default PIN retry limit (card-facts §4: 6). */
  pinRetryLimit?: number;
  /** Accept extended-length APDUs on T=1 / contactless (default false: 6700). */
  extendedLength?: boolean;
}

/** MF, DDF or ADF. */
export interface DedicatedFileProfile {
  kind: 'df';
  /** 2-byte file id, e.g. "3F00"; optional for ADFs selected by AID only. */
  fid?: string;
  /** DF name / AID (1..16 bytes), selectable with SELECT P1=04. */
  dfName?: string;
  /** Free text for people reading the profile (and the README). */
  label?: string;
  /** Complete FCI returned on SELECT with P2=00 (hex, usually a 6F template). Default: built from fid/dfName. */
  fci?: string;
  /** Name of a registered CardApplication whose handlers answer while this DF is current. */
  application?: string;
  /** Data objects for GET DATA (tag hex → value hex), e.g. {"9F79": "000000010000"}. */
  dataObjects?: Record<string, string>;
  pins?: PinProfile[];
  keys?: KeyProfile[];
  children?: Array<DedicatedFileProfile | ElementaryFileProfile>;
}

export type EfStructure = 'transparent' | 'linear-fixed' | 'linear-variable' | 'cyclic';

export interface ElementaryFileProfile {
  kind: 'ef';
  type: EfStructure;
  fid?: string;
  /** Short file identifier 1..30. */
  sfi?: number;
  label?: string;
  /** Transparent: file size in bytes (content is padded with `fill`). */
  size?: number;
  /** Transparent: initial content, hex. */
  content?: string;
  /** Transparent: padding byte for content shorter than size, hex (default "00"). */
  fill?: string;
  /** Record files: exact record length (fixed, cyclic) or maximum record length (variable). */
  recordSize?: number;
  /** Record files: capacity. */
  maxRecords?: number;
  /** Record files: initial records, hex; record 1 first (for cyclic: record 1 = most recent). */
  records?: string[];
  access?: AccessRules;
}

export interface AccessRules {
  read?: AccessRuleProfile;
  update?: AccessRuleProfile;
}

/**
 * "free" | "never" | a condition whose every present part must hold:
 * `pin` verified, `key` (external authentication done with that key id), `mac` (the command
 * carries a MAC under that key id, CLA with the SM bit) — or `anyOf` alternatives.
 */
export type AccessRuleProfile = 'free' | 'never' | AccessCondition | { anyOf: AccessCondition[] };

export interface AccessCondition {
  pin?: string;
  key?: string;
  mac?: string;
}

export interface PinProfile {
  /** Reference as used in P2 of VERIFY / CHANGE PIN, hex byte, e.g. "00". */
  id: string;
  /** Digits, e.g. "123456". */
  value: string;
  /** Tries before blocking; default settings.pinRetryLimit, else 6. */
  retryLimit?: number;
  /** Accepted lengths for a new PIN (CHANGE / RELOAD); default 4..12. */
  minLength?: number;
  maxLength?: number;
  /** Marks a well-known default value (123456, 888888). */
  testPin?: boolean;
}

/**
 * What the card does with a key (card-spec §4.2): `external-auth` keys are proven by the terminal
 * with EXTERNAL AUTHENTICATE (RK, UK, PUK, BK, LK keys); `internal-auth` (IRK) makes the card
 * prove itself; `secure-messaging` (STK) keys MAC and encrypt protected commands.
 */
export type KeyUsage =
  | 'external-auth'
  | 'internal-auth'
  | 'secure-messaging'
  // Application handlers (purse, PBOC) may use their own usages.
  | (string & {});

/** `des`: single-length 8-byte key (STK on DES cards); `3des`: double-length 16 bytes; `sm4`. */
export type KeyAlgorithm = 'des' | '3des' | 'sm4';

export interface KeyProfile {
  /** Key id as named in P2 / access rules, hex byte, e.g. "0A" (card-spec §4.1: 8x = DF level). */
  id: string;
  /** The specification's name (card-spec §4.2): IRK, STK, PUK, BK, UKSSSE, RKSSSE, RK1DF04, LKDF04… */
  name?: string;
  usage: KeyUsage;
  algorithm: KeyAlgorithm;
  version?: number;
  /** The key, hex (8 bytes for des, 16 otherwise). Either this or `diversified`. */
  value?: string;
  diversified?: DiversifiedKeyProfile;
  /** Wrong EXTERNAL AUTHENTICATE attempts before the key is blocked (absent: no limit). */
  errorLimit?: number;
  /** True for the published test keys every profile in this repository uses. */
  testKey?: boolean;
}

/**
 * A key derived from a master key through one or more diversification levels (card-spec §4.3).
 * Each factor is 8 bytes: hex, "card" (the historical bytes T6…TD of the contact ATR, P9 §7.3.3)
 * or "ascii:<8 chars>" (e.g. "ascii:330300sx").
 */
export interface DiversifiedKeyProfile {
  master: string;
  factors: string[];
}
