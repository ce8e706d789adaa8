/**
 * What a command handler throws to end a command with a status word. The one dispatch point in
 * CardEmulator turns it into the R-APDU; anything else thrown becomes 6F00.
 */
export class CardStatus extends Error {
  readonly sw: number;
  constructor(sw: number, reason?: string) {
    super(reason ?? `SW ${sw.toString(16).toUpperCase().padStart(4, '0')}`);
    this.name = 'CardStatus';
    this.sw = sw;
  }
}

/** The status words the emulator answers with (card-spec §6.16). */
export const SW = {
  OK: 0x9000,
  END_OF_FILE: 0x6282,
  SELECTED_FILE_BLOCKED: 0x6283,
  AUTH_FAILED: 0x6300,
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  LOGICAL_CHANNEL_NOT_SUPPORTED: 0x6881,
  SM_NOT_SUPPORTED: 0x6882,
  INCOMPATIBLE_FILE_STRUCTURE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_UNUSABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  SM_DATA_WRONG: 0x6988,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_MEMORY: 0x6a84,
  LC_TLV_INCONSISTENT: 0x6a85,
  WRONG_P1P2: 0x6a86,
  REFERENCE_NOT_FOUND: 0x6a88,
  WRONG_PARAMETERS: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN_ERROR: 0x6f00,
  /** P5 T5: the application is permanently blocked (SELECT and every command while it is current). */
  APPLICATION_BLOCKED: 0x9303,
} as const;

/** 63Cx: a wrong PIN with x tries left (x is at most 15). */
export function wrongPinStatus(triesLeft: number): number {
  return 0x63c0 | Math.min(Math.max(triesLeft, 0), 15);
}
