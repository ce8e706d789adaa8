import { CryptoError } from './crypto-error.js';

/** One DER element: its tag, and where its value starts and ends inside the source bytes. */
export interface DerElement {
  tag: number;
  start: number;
  end: number;
  bytes: Uint8Array;
}

/** Tags used by keys and signatures. */
export const DerTag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  context0: 0xa0,
  context1: 0xa1,
} as const;

/**
 * Reads one element at `offset`. Strict DER only: single-byte tags, definite and minimal lengths,
 * nothing past `limit`. `field` names the thing being parsed in any error.
 */
export function readDer(bytes: Uint8Array, offset: number, limit: number, field: string): DerElement {
  if (offset + 2 > limit) throw new CryptoError(field, `malformed DER: truncated at byte ${offset}`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new CryptoError(field, `malformed DER: multi-byte tag at byte ${offset}`);
  let lengthByte = bytes[offset + 1]!;
  let pos = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    const count = lengthByte & 0x7f;
    if (count === 0) throw new CryptoError(field, `malformed DER: indefinite length at byte ${offset}`);
    if (count > 3) throw new CryptoError(field, `malformed DER: length of ${count} bytes at byte ${offset}`);
    if (pos + count > limit) throw new CryptoError(field, `malformed DER: truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[pos + i]!;
      if (i === 0 && lengthByte === 0) throw new CryptoError(field, `malformed DER: non-minimal length at byte ${offset}`);
      length = length * 256 + lengthByte;
    }
    if (length < 0x80) throw new CryptoError(field, `malformed DER: non-minimal length at byte ${offset}`);
    pos += count;
  }
  if (pos + length > limit) throw new CryptoError(field, `malformed DER: element at byte ${offset} runs past the end`);
  return { tag, start: pos, end: pos + length, bytes };
}

/** The children of a constructed element, which must fill it exactly. */
export function readDerChildren(parent: DerElement, field: string): DerElement[] {
  const out: DerElement[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const el = readDer(parent.bytes, pos, parent.end, field);
    out.push(el);
    pos = el.end;
  }
  return out;
}

/** Parses a whole buffer that must be exactly one element with the expected tag. */
export function readDerRoot(bytes: Uint8Array, tag: number, field: string): DerElement {
  const el = readDer(bytes, 0, bytes.length, field);
  if (el.tag !== tag) throw new CryptoError(field, `malformed DER: expected tag ${hexByte(tag)}, found ${hexByte(el.tag)}`);
  if (el.end !== bytes.length) throw new CryptoError(field, `malformed DER: ${bytes.length - el.end} trailing bytes`);
  return el;
}

export function expectTag(el: DerElement | undefined, tag: number, field: string, what: string): DerElement {
  if (el === undefined) throw new CryptoError(field, `malformed DER: missing ${what}`);
  if (el.tag !== tag) throw new CryptoError(field, `malformed DER: ${what} has tag ${hexByte(el.tag)}, expected ${hexByte(tag)}`);
  return el;
}

export function derValue(el: DerElement): Uint8Array {
  return el.bytes.subarray(el.start, el.end);
}

/** A non-negative INTEGER as a bigint; rejects negative and non-minimal encodings. */
export function readDerUnsignedInteger(el: DerElement, field: string, what: string): bigint {
  const v = derValue(el);
  if (v.length === 0) throw new CryptoError(field, `malformed DER: empty INTEGER ${what}`);
  if (v[0]! & 0x80) throw new CryptoError(field, `malformed DER: negative INTEGER ${what}`);
  if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) throw new CryptoError(field, `malformed DER: non-minimal INTEGER ${what}`);
  let hex = '';
  for (const b of v) hex += b.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

export function readDerOid(el: DerElement, field: string): string {
  const v = derValue(el);
  if (v.length === 0) throw new CryptoError(field, 'malformed DER: empty OID');
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (acc === 0 && b === 0x80) throw new CryptoError(field, 'malformed DER: non-minimal OID arc');
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(acc < 80 ? Math.floor(acc / 40) : 2, acc < 80 ? acc % 40 : acc - 80);
      else parts.push(acc);
      acc = 0;
    } else if (i === v.length - 1) {
      throw new CryptoError(field, 'malformed DER: truncated OID');
    }
  }
  return parts.join('.');
}

// --- writing ---

export function derEncode(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const header: number[] = [tag];
  if (length < 0x80) header.push(length);
  else if (length < 0x100) header.push(0x81, length);
  else if (length < 0x10000) header.push(0x82, length >> 8, length & 0xff);
  else header.push(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let pos = header.length;
  for (const c of contents) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

export function derUnsignedInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const body = new Uint8Array(hex.length / 2);
  for (let i = 0; i < body.length; i++) body[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return derEncode(DerTag.integer, body);
}

export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => Number(a));
  const body: number[] = [];
  const first = arcs[0]! * 40 + arcs[1]!;
  for (const arc of [first, ...arcs.slice(2)]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    body.push(...groups);
  }
  return derEncode(DerTag.oid, Uint8Array.from(body));
}

function hexByte(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
