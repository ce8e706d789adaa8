import { toHex } from '../bytes/hex.js';
import { ApduFormatError } from './apdu-format-error.js';

/** ISO 7816-3 command cases: 1 no data/no Le, 2 Le only, 3 data only, 4 data and Le. */
export type ApduCase = 1 | 2 | 3 | 4;

export interface CommandApduFields {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /**
   * Expected response length. `undefined` means no Le field at all (cases 1 and 3), which is not
   * the same as 256 (short Le byte 00) or 65536 (extended Le 0000).
   */
  le?: number;
  /** Force the extended form even where the short one would do. */
  extended?: boolean;
}

const MAX_SHORT_LC = 255;
const MAX_SHORT_LE = 256;
const MAX_EXTENDED_LC = 65535;
const MAX_EXTENDED_LE = 65536;

export class CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  readonly le: number | undefined;
  readonly extended: boolean;

  constructor(fields: CommandApduFields) {
    for (const name of ['cla', 'ins', 'p1', 'p2'] as const) {
      const v = fields[name];
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new ApduFormatError(`${name.toUpperCase()} must be a byte, got ${v}`);
    }
    const data = fields.data ?? new Uint8Array(0);
    if (data.length > MAX_EXTENDED_LC) throw new ApduFormatError(`data of ${data.length} bytes exceeds 65535`);
    const le = fields.le;
    if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > MAX_EXTENDED_LE)) {
      throw new ApduFormatError(`Le must be 1..65536 or absent, got ${le}`);
    }
    // Case 1 has no length fields, so it has no extended form either.
    const hasLengths = data.length > 0 || le !== undefined;
    const extended = hasLengths && (fields.extended === true || data.length > MAX_SHORT_LC || (le !== undefined && le > MAX_SHORT_LE));
    this.cla = fields.cla;
    this.ins = fields.ins;
    this.p1 = fields.p1;
    this.p2 = fields.p2;
    this.data = data;
    this.le = le;
    this.extended = extended;
  }

  get case(): ApduCase {
    const hasData = this.data.length > 0;
    if (this.le === undefined) return hasData ? 3 : 1;
    return hasData ? 4 : 2;
  }

  /** The same command with other fields replaced (e.g. a corrected Le after 6Cxx). */
  with(changes: Partial<CommandApduFields>): CommandApdu {
    return new CommandApdu({
      cla: this.cla,
      ins: this.ins,
      p1: this.p1,
      p2: this.p2,
      data: this.data,
      le: this.le,
      extended: this.extended,
      ...changes,
    });
  }

  encode(): Uint8Array {
    const header = [this.cla, this.ins, this.p1, this.p2];
    const n = this.data.length;
    const out: number[] = header;
    if (!this.extended) {
      if (n > 0) out.push(n);
      const bytes = new Uint8Array(out.length + n + (this.le === undefined ? 0 : 1));
      bytes.set(out);
      bytes.set(this.data, out.length);
      if (this.le !== undefined) bytes[bytes.length - 1] = this.le === MAX_SHORT_LE ? 0 : this.le;
      return bytes;
    }
    // Extended: a 00 marker, then 2-byte Lc; Le is 2 bytes after data, or 00 HH LL when alone.
    if (n > 0) out.push(0, n >> 8, n & 0xff);
    const leBytes: number[] = [];
    if (this.le !== undefined) {
      const le = this.le === MAX_EXTENDED_LE ? 0 : this.le;
      if (n === 0) leBytes.push(0);
      leBytes.push(le >> 8, le & 0xff);
    }
    const bytes = new Uint8Array(out.length + n + leBytes.length);
    bytes.set(out);
    bytes.set(this.data, out.length);
    bytes.set(leBytes, out.length + n);
    return bytes;
  }

  /** Parses a C-APDU by the ISO 7816-3 length rules; throws ApduFormatError naming the problem. */
  static decode(bytes: Uint8Array): CommandApdu {
    const len = bytes.length;
    if (len < 4) throw new ApduFormatError(`${len} bytes, a command needs at least the 4-byte header`);
    const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
    const base = { cla, ins, p1, p2 };
    if (len === 4) return new CommandApdu(base);
    const b4 = bytes[4]!;
    if (len === 5) return new CommandApdu({ ...base, le: b4 === 0 ? MAX_SHORT_LE : b4 });
    if (b4 !== 0) {
      const lc = b4;
      const data = bytes.slice(5, 5 + lc);
      if (len === 5 + lc) return new CommandApdu({ ...base, data });
      if (len === 6 + lc) {
        const le = bytes[5 + lc]!;
        return new CommandApdu({ ...base, data, le: le === 0 ? MAX_SHORT_LE : le });
      }
      throw new ApduFormatError(`Lc=${lc} but ${len - 5} bytes follow the header`);
    }
    // b4 = 00 with more bytes: extended length.
    if (len < 7) throw new ApduFormatError(`extended length marker 00 followed by ${len - 5} byte(s), need 2`);
    const hi = bytes[5]!;
    const lo = bytes[6]!;
    if (len === 7) {
      const le = (hi << 8) | lo;
      return new CommandApdu({ ...base, le: le === 0 ? MAX_EXTENDED_LE : le, extended: true });
    }
    const lc = (hi << 8) | lo;
    if (lc === 0) throw new ApduFormatError('extended Lc of 0 is not allowed');
    const data = bytes.slice(7, 7 + lc);
    if (len === 7 + lc) return new CommandApdu({ ...base, data, extended: true });
    if (len === 9 + lc) {
      const le = (bytes[7 + lc]! << 8) | bytes[8 + lc]!;
      return new CommandApdu({ ...base, data, le: le === 0 ? MAX_EXTENDED_LE : le, extended: true });
    }
    throw new ApduFormatError(`extended Lc=${lc} but ${len - 7} bytes follow the length field`);
  }

  toString(): string {
    return toHex(this.encode());
  }
}
