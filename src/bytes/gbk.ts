import iconv from 'iconv-lite';
import { InputError } from '../errors.js';

// GB18030 is a superset of GBK that encodes every GBK character to the same bytes, and also
// reaches the rare characters (生僻字) some cardholder names need.
const CARD_CHARSET = 'gb18030';

/** Encodes text the way card `an` fields hold it, without padding. */
export function encodeGbk(text: string): Uint8Array {
  const bytes = new Uint8Array(iconv.encode(text, CARD_CHARSET));
  // iconv-lite substitutes unencodable characters; a round trip exposes that.
  if (iconv.decode(Buffer.from(bytes), CARD_CHARSET) !== text) {
    throw new InputError('text', `"${text}" has characters that GBK/GB18030 cannot encode`);
  }
  return bytes;
}

export function decodeGbk(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), CARD_CHARSET);
}

/** An `an` field: GBK bytes right-padded with 00 to exactly `length` bytes. */
export function encodeAn(text: string, length: number, what = 'an field'): Uint8Array {
  const bytes = encodeGbk(text);
  if (bytes.length > length) throw new InputError(what, `${what} "${text}" takes ${bytes.length} bytes, room for ${length}`);
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

/** Reads an `an` field: GBK, trailing 00 and spaces trimmed (real cards use both as padding). */
export function decodeAn(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0x20 || bytes[end - 1] === 0xff)) end--;
  return decodeGbk(bytes.subarray(0, end));
}
