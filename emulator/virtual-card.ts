/**
 * What a reader (the in-process transport, the vpcd bridge) needs from an emulated card.
 * Synchronous on purpose: a card processes one command at a time, and state is persisted
 * before the answer is returned.
 */
export interface VirtualCard {
  /** Cold reset: power up and return the ATR (contact) or the synthesized ATR (contactless). */
  powerOn(): Uint8Array;
  /** Power off: security state is lost, persistent state is kept. */
  powerOff(): void;
  /** Warm reset: returns the ATR again. */
  reset(): Uint8Array;
  /** One C-APDU in, one R-APDU (data + SW1 SW2) out. Never throws. */
  transmit(command: Uint8Array): Uint8Array;
}
