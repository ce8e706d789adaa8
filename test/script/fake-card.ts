import { fromHex } from '../../src/bytes/hex.js';
import type { CardTransport } from '../../src/transport/card-transport.js';

const FCI = fromHex('6F1A840E325041592E5359532E4444463031A508BF0C0561034F0101');

/**
 * A small card for runner tests: SELECT answers an FCI (or 61xx in T=0 style), GET CHALLENGE a
 * fixed or counting challenge, VERIFY accepts PIN 12 34 56 (63Cx otherwise), `80 EE` echoes data,
 * `80 CA 00 00 Le` returns Le bytes 00 01 02 …, anything else 6D00.
 */
export class FakeCard implements CardTransport {
  readonly name = 'fake card';
  readonly sent: Uint8Array[] = [];
  resets: string[] = [];
  tries = 3;
  challenge = fromHex('1122334455667788');
  private pendingResponse: Uint8Array | undefined;
  constructor(private readonly t0 = false) {}

  async connect(): Promise<Uint8Array> {
    return fromHex('3B0211AA');
  }
  async reset(kind: 'warm' | 'cold' = 'warm'): Promise<Uint8Array> {
    this.resets.push(kind);
    return fromHex('3B0211AA');
  }
  async close(): Promise<void> {}

  async transmit(c: Uint8Array): Promise<Uint8Array> {
    this.sent.push(c);
    return this.answer(c);
  }

  answer(c: Uint8Array): Uint8Array {
    const ins = c[1];
    if (ins === 0xa4) {
      if (this.t0) {
        this.pendingResponse = FCI;
        return new Uint8Array([0x61, FCI.length]);
      }
      return withSw(FCI, 0x9000);
    }
    if (ins === 0xc0 && this.pendingResponse) {
      const le = c[4] || 256;
      if (le !== this.pendingResponse.length) return new Uint8Array([0x6c, this.pendingResponse.length]);
      const r = this.pendingResponse;
      this.pendingResponse = undefined;
      return withSw(r, 0x9000);
    }
    if (ins === 0x84) return withSw(this.challenge.subarray(0, c[4] || 8), 0x9000);
    if (ins === 0x20) {
      if (this.tries === 0) return new Uint8Array([0x69, 0x83]);
      const pin = c.subarray(5);
      if (pin.length === 3 && pin[0] === 0x12 && pin[1] === 0x34 && pin[2] === 0x56) {
        this.tries = 3;
        return new Uint8Array([0x90, 0x00]);
      }
      this.tries--;
      return new Uint8Array([0x63, 0xc0 | this.tries]);
    }
    if (c[0] === 0x80 && ins === 0xee) return withSw(c.subarray(5, 5 + (c[4] ?? 0)), 0x9000);
    if (c[0] === 0x80 && ins === 0xca) {
      const le = c[4] || 256;
      return withSw(
        Uint8Array.from({ length: le }, (_, i) => i & 0xff),
        0x9000,
      );
    }
    return new Uint8Array([0x6d, 0x00]);
  }
}

function withSw(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}
