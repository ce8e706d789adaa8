import { DecodeError } from '../../errors.js';
import type { PinPadFormat } from '../card-transport.js';

/** PC/SC part 10's request for the reader's features: SCARD_CTL_CODE(3400). */
export const CM_IOCTL_GET_FEATURE_REQUEST = 3400;

/** The feature tags of PC/SC part 10 (v2.02) that sscard knows by name. */
export const PART10_FEATURES = {
  VERIFY_PIN_START: 0x01,
  VERIFY_PIN_FINISH: 0x02,
  MODIFY_PIN_START: 0x03,
  MODIFY_PIN_FINISH: 0x04,
  GET_KEY_PRESSED: 0x05,
  VERIFY_PIN_DIRECT: 0x06,
  MODIFY_PIN_DIRECT: 0x07,
  MCT_READER_DIRECT: 0x08,
  MCT_UNIVERSAL: 0x09,
  IFD_PIN_PROPERTIES: 0x0a,
  ABORT: 0x0b,
  SET_SPE_MESSAGE: 0x0c,
  VERIFY_PIN_DIRECT_APP_ID: 0x0d,
  MODIFY_PIN_DIRECT_APP_ID: 0x0e,
  WRITE_DISPLAY: 0x0f,
  GET_KEY: 0x10,
  IFD_DISPLAY_PROPERTIES: 0x11,
  GET_TLV_PROPERTIES: 0x12,
  CCID_ESC_COMMAND: 0x13,
  EXECUTE_PACE: 0x20,
} as const;

export type Part10Feature = keyof typeof PART10_FEATURES;

/** A reader's features and the control code to use for each. */
export interface ReaderFeatures {
  /** Control codes by feature name; features sscard has no name for are under `other`. */
  codes: Partial<Record<Part10Feature, number>>;
  other: Array<{ tag: number; code: number }>;
  /** The reader takes the PIN on its own keypad (VERIFY_PIN_DIRECT). */
  pinPad: boolean;
}

const NAMES = new Map<number, Part10Feature>(Object.entries(PART10_FEATURES).map(([name, tag]) => [tag, name as Part10Feature]));

/**
 * Parses the answer to CM_IOCTL_GET_FEATURE_REQUEST: a list of tag (1 byte), length (1 byte,
 * always 4), control code (4 bytes, big-endian) — the code to pass to SCardControl for that
 * feature. An empty answer means no features.
 */
export function parseFeatures(bytes: Uint8Array): ReaderFeatures {
  const features: ReaderFeatures = { codes: {}, other: [], pinPad: false };
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) throw new DecodeError('PC/SC feature list', i, 'truncated tag and length');
    const tag = bytes[i]!;
    const length = bytes[i + 1]!;
    if (length !== 4) throw new DecodeError('PC/SC feature list', i + 1, `length ${length} (a control code has 4 bytes)`);
    if (i + 2 + length > bytes.length) throw new DecodeError('PC/SC feature list', i + 2, 'truncated control code');
    const code = ((bytes[i + 2]! << 24) | (bytes[i + 3]! << 16) | (bytes[i + 4]! << 8) | bytes[i + 5]!) >>> 0;
    const name = NAMES.get(tag);
    if (name) features.codes[name] = code;
    else features.other.push({ tag, code });
    i += 2 + length;
  }
  features.pinPad = features.codes.VERIFY_PIN_DIRECT !== undefined;
  return features;
}

/** How the reader formats the digits typed on its pad into the command (CCID bmFormatString). */

/**
 * PIN_VERIFY_STRUCTURE of PC/SC part 10 (the CCID PC_to_RDR_Secure verify block, little-endian,
 * packed): what FEATURE_VERIFY_PIN_DIRECT takes. `command` is the VERIFY APDU with its data
 * already the size of the PIN block (the reader writes the digits into it); the PIN itself never
 * passes through the host.
 */
export function pinVerifyStructure(command: Uint8Array, format: PinPadFormat, timeoutSeconds = 30): Uint8Array {
  if (command.length < 5) throw new DecodeError('PIN pad VERIFY command', command.length, 'shorter than a header and Lc');
  if (format.offset > 15 || format.blockBytes > 15) throw new DecodeError('PIN pad format', 0, 'offset and block size must be 0–15 bytes');
  const encoding = { binary: 0, bcd: 1, ascii: 2 }[format.encoding];
  const structure = new Uint8Array(19 + command.length);
  const view = new DataView(structure.buffer);
  structure[0] = Math.min(255, timeoutSeconds); // bTimerOut
  structure[1] = Math.min(255, timeoutSeconds); // bTimerOut2
  // bmFormatString: units are bytes (bit 7), PIN position (bits 6-3), left-justified, encoding.
  structure[2] = 0x80 | (format.offset << 3) | encoding;
  // bmPINBlockString: no PIN length field in the command (bits 7-4 = 0), block size in bytes.
  structure[3] = format.blockBytes;
  structure[4] = 0x00; // bmPINLengthFormat: no length field
  view.setUint16(5, (format.minDigits << 8) | format.maxDigits, true); // wPINMaxExtraDigit
  structure[7] = 0x02; // bEntryValidationCondition: the OK key
  structure[8] = 0x01; // bNumberMessage
  view.setUint16(9, 0x0409, true); // wLangId
  structure[11] = 0x00; // bMsgIndex
  // bTeoPrologue[3] (12–14) stays zero.
  view.setUint32(15, command.length, true); // ulDataLength
  structure.set(command, 19);
  return structure;
}
