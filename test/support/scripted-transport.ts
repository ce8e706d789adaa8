import { fromHex, parseHex, toHex } from '../../src/bytes/hex.js';
import type { CardTransport } from '../../src/transport/card-transport.js';

/**
 * A fake card that expects an exact sequence of commands and gives canned answers; any other
 * command fails the test. Lets channel tests prove what goes on the wire.
 */
export class ScriptedTransport implements CardTransport {
  readonly name = 'scripted';
  readonly sent: string[] = [];
  private step = 0;
  constructor(private readonly script: Array<[command: string, response: string]>) {}
  async connect(): Promise<Uint8Array> {
    return fromHex('3B00');
  }
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const hex = toHex(command);
    this.sent.push(hex);
    const entry = this.script[this.step++];
    if (!entry) throw new Error(`unexpected extra command ${hex}`);
    const expected = toHex(parseHex(entry[0]));
    if (hex !== expected) throw new Error(`command ${this.step}: expected ${expected}, got ${hex}`);
    return parseHex(entry[1]);
  }
  async reset(): Promise<Uint8Array> {
    return this.connect();
  }
  async close(): Promise<void> {}
  get done(): boolean {
    return this.step === this.script.length;
  }
}
