import { constantTimeEqual } from '../src/bytes/bytes.js';
import { toHex } from '../src/bytes/hex.js';

export interface PinObjectInit {
  id: number;
  ownerId: string;
  value: string;
  retryLimit: number;
  minLength: number;
  maxLength: number;
}

/**
 * A PIN with its try counter. The value is kept as its canonical BCD form (digits, F-padded to a
 * whole byte) so comparisons never depend on how the terminal padded it.
 */
export class PinObject {
  readonly id: number;
  /** DF that owns the PIN (file-system id). */
  readonly ownerId: string;
  readonly retryLimit: number;
  readonly minLength: number;
  readonly maxLength: number;
  triesLeft: number;
  private value: Uint8Array;

  constructor(init: PinObjectInit) {
    this.id = init.id;
    this.ownerId = init.ownerId;
    this.retryLimit = init.retryLimit;
    this.minLength = init.minLength;
    this.maxLength = init.maxLength;
    this.triesLeft = init.retryLimit;
    this.value = toPinBlock(init.value);
  }

  /** Key of this PIN in the state file and the security status. */
  get stateKey(): string {
    return `${this.ownerId}#${toHex(Uint8Array.of(this.id))}`;
  }

  get blocked(): boolean {
    return this.triesLeft <= 0;
  }

  /** Constant-time comparison with a canonical BCD candidate (see fromPinBlock). */
  matches(candidateDigits: string): boolean {
    return constantTimeEqual(this.value, toPinBlock(candidateDigits));
  }

  /** Digits are checked by the caller against min/max length. */
  setValue(digits: string): void {
    this.value = toPinBlock(digits);
  }

  acceptsLength(digits: string): boolean {
    return digits.length >= this.minLength && digits.length <= this.maxLength;
  }

  /** For the state file only (it is the card's non-volatile memory). */
  exportValue(): string {
    return fromPinBlock(this.value) ?? '';
  }
}

/** Digits → BCD, odd counts padded with an F nibble (card-facts §4). */
export function toPinBlock(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2)).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    const b = out[i >> 1]!;
    out[i >> 1] = i % 2 === 0 ? (d << 4) | (b & 0x0f) : (b & 0xf0) | d;
  }
  return out;
}

/**
 * BCD PIN block from a terminal → digits. Trailing F nibbles (and whole FF bytes) are padding;
 * anything else that is not a digit makes the block malformed (undefined).
 */
export function fromPinBlock(bytes: Uint8Array): string | undefined {
  let digits = '';
  let padding = false;
  for (let i = 0; i < bytes.length * 2; i++) {
    const b = bytes[i >> 1]!;
    const nibble = i % 2 === 0 ? b >> 4 : b & 0x0f;
    if (nibble === 0x0f) {
      padding = true;
      continue;
    }
    if (padding || nibble > 9) return undefined;
    digits += String.fromCharCode(48 + nibble);
  }
  return digits.length === 0 ? undefined : digits;
}
