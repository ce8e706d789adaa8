import type { CardTransport, ResetKind } from '../src/transport/card-transport.js';
import { TransportError } from '../src/transport/transport-error.js';
import type { VirtualCard } from './virtual-card.js';

/** A VirtualCard (usually a CardEmulator) as a CardTransport, in process, no PC/SC involved. */
export class EmulatorTransport implements CardTransport {
  private connected = false;
  private closed = false;

  constructor(
    private readonly card: VirtualCard,
    readonly name = 'sscard emulator',
  ) {}

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
