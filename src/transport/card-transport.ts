/**
 * The one interface every way of reaching a card implements: a PC/SC reader, the in-process
 * emulator, a recorded session. Raw bytes only; APDU logic lives in the channel above.
 */
export interface CardTransport {
  /** Human-readable name, e.g. the PC/SC reader name or "sscard emulator". */
  readonly name: string;
  /** Powers the card up (or attaches to it) and returns its ATR. */
  connect(): Promise<Uint8Array>;
  /** Sends one C-APDU and returns the R-APDU including SW1 SW2. */
  transmit(command: Uint8Array): Promise<Uint8Array>;
  /**
   * The same, without a promise, for transports whose card answers in the same call (the
   * in-process emulator). Optional: callers that run many commands (the script runner) use it
   * when present and fall back to transmit().
   */
  transmitSync?(command: Uint8Array): Uint8Array;
  /**
   * Keeps other programs off the card until endExclusive(), so that a multi-command sequence (a
   * 61xx and its GET RESPONSE, a SELECT and its READ) cannot be split by another program's
   * commands. PC/SC: SCardBeginTransaction. Calls nest; optional (a transport no other program
   * can reach has nothing to lock).
   */
  beginExclusive?(): Promise<void>;
  /** Ends what beginExclusive() began; the outermost call releases the card. */
  endExclusive?(): Promise<void>;
  /**
   * VERIFY with the PIN typed on the reader's own keypad (PC/SC part 10 VERIFY_PIN_DIRECT): the
   * PIN never passes through this program. `command` is the VERIFY APDU whose data is an empty PIN
   * block of the right size; returns the card's R-APDU. Optional: readers with a PIN pad.
   */
  verifyPinOnPad?(command: Uint8Array, format: PinPadFormat): Promise<Uint8Array>;
  /** Warm reset keeps power; cold reset powers the card down and up. Returns the new ATR. */
  reset(kind?: ResetKind): Promise<Uint8Array>;
  /** Releases the card; the transport may not be used afterwards. */
  close(): Promise<void>;
}

export type ResetKind = 'warm' | 'cold';

/** How a PIN pad writes the typed digits into the VERIFY command (PC/SC part 10 bmFormatString). */
export interface PinPadFormat {
  /** BCD (two digits a byte, as social security cards take them), ASCII, or binary. */
  encoding: 'bcd' | 'ascii' | 'binary';
  /** Where the PIN goes in the command's data, in bytes. */
  offset: number;
  /** The PIN block's size in bytes (the command's data for the PIN, padded). */
  blockBytes: number;
  /** Fewest and most digits the pad accepts. */
  minDigits: number;
  maxDigits: number;
}
