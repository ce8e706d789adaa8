import type { CardTransport, PinPadFormat, ResetKind } from '../src/transport/card-transport.js';
import { TransportError } from '../src/transport/transport-error.js';
import type { VirtualCard } from './virtual-card.js';

/** PC/SC part 10 answers of a PIN pad that did not send the command: timeout, cancelled, wrong length. */
const PAD_TIMEOUT = Uint8Array.of(0x64, 0x00);
const PAD_CANCELLED = Uint8Array.of(0x64, 0x01);
const PAD_WRONG_LENGTH = Uint8Array.of(0x64, 0x03);

export interface EmulatorTransportOptions {
  /**
   * A simulated PIN pad: called when the terminal asks for a PIN on the pad, it gives the digits
   * a person types (undefined: the person cancelled). Without it the reader has no pad.
   */
  pinPad?: () => Promise<string | undefined>;
}

/** A VirtualCard (usually a CardEmulator) as a CardTransport, in process, no PC/SC involved. */
export class EmulatorTransport implements CardTransport {
  private connected = false;
  private closed = false;
  readonly verifyPinOnPad?: (command: Uint8Array, format: PinPadFormat) => Promise<Uint8Array>;

  constructor(
    private readonly card: VirtualCard,
    readonly name = 'sscard emulator',
    options: EmulatorTransportOptions = {},
  ) {
    const pad = options.pinPad;
    if (pad) this.verifyPinOnPad = (command, format) => this.padVerify(pad, command, format);
  }

  /**
   * What a PIN-pad reader does with VERIFY_PIN_DIRECT: takes the digits on its keypad, writes them
   * into the command's PIN block (BCD, left-justified, the rest of the block as it was) and sends
   * it to the card; the host sees only the card's answer.
   */
  private async padVerify(pad: () => Promise<string | undefined>, command: Uint8Array, format: PinPadFormat): Promise<Uint8Array> {
    this.checkOpen();
    const digits = await pad().catch(() => null);
    if (digits === null) return PAD_TIMEOUT.slice();
    if (digits === undefined) return PAD_CANCELLED.slice();
    if (!/^\d*$/.test(digits) || digits.length < format.minDigits || digits.length > format.maxDigits) return PAD_WRONG_LENGTH.slice();
    if (format.encoding !== 'bcd' || Math.ceil(digits.length / 2) > format.blockBytes) return PAD_WRONG_LENGTH.slice();
    const filled = command.slice();
    const at = 5 + format.offset;
    for (let i = 0; i < digits.length; i++) {
      const nibble = digits.charCodeAt(i) - 48;
      const b = filled[at + (i >> 1)]!;
      filled[at + (i >> 1)] = i % 2 === 0 ? (nibble << 4) | (b & 0x0f) : (b & 0xf0) | nibble;
    }
    return this.transmitSync(filled);
  }

  async connect(): Promise<Uint8Array> {
    this.checkOpen();
    this.connected = true;
    return this.card.powerOn();
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.transmitSync(command);
  }

  /** The card answers within the call: no promise needed (the script runner's fast path). */
  transmitSync(command: Uint8Array): Uint8Array {
    this.checkOpen();
    if (!this.connected) throw new TransportError('no-card', `${this.name}: not connected`);
    return this.card.transmit(command);
  }

  async reset(kind: ResetKind = 'warm'): Promise<Uint8Array> {
    this.checkOpen();
    this.connected = true;
    if (kind === 'warm') return this.card.reset();
    this.card.powerOff();
    return this.card.powerOn();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.connected) this.card.powerOff();
    this.connected = false;
  }

  private checkOpen(): void {
    if (this.closed) throw new TransportError('closed', `${this.name}: transport closed`);
  }
}
