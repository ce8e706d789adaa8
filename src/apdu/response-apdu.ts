import { toHex } from '../bytes/hex.js';
import { ApduFormatError } from './apdu-format-error.js';

/** A card's answer: response data followed by the two status bytes SW1 SW2. */
export class ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;

  constructor(data: Uint8Array, sw: number) {
    if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) throw new ApduFormatError(`status word must be 2 bytes, got ${sw}`);
    this.data = data;
    this.sw = sw;
  }

  get sw1(): number {
    return this.sw >> 8;
  }
  get sw2(): number {
    return this.sw & 0xff;
  }
  get ok(): boolean {
    return this.sw === 0x9000;
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.data.length + 2);
    out.set(this.data);
    out[this.data.length] = this.sw1;
    out[this.data.length + 1] = this.sw2;
    return out;
  }

  static decode(bytes: Uint8Array): ResponseApdu {
    if (bytes.length < 2) throw new ApduFormatError(`response of ${bytes.length} byte(s) has no status word`);
    const n = bytes.length;
    return new ResponseApdu(bytes.slice(0, n - 2), (bytes[n - 2]! << 8) | bytes[n - 1]!);
  }

  toString(): string {
    return `${toHex(this.data)}${this.data.length ? ' ' : ''}${swHex(this.sw)}`;
  }
}

export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
