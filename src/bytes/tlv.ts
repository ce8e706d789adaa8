import { DecodeError, InputError } from '../errors.js';
import { concatBytes } from './bytes.js';
import { toHex } from './hex.js';

/** One BER-TLV data object. Constructed objects carry their parsed children. */
export interface Tlv {
  /** The tag as a number, e.g. 0x9F79, 0xBF0C. */
  tag: number;
  /** The tag in uppercase hex as it appears on the wire, e.g. "9F79". */
  tagHex: string;
  constructed: boolean;
  value: Uint8Array;
  children?: Tlv[];
  /** Where the object starts in the parsed buffer (for error messages and dumps). */
  offset: number;
}

export interface TlvParseOptions {
  /** Parse constructed values into children (default true). */
  recursive?: boolean;
  /** Skip 00 and FF bytes between objects, as EMV allows (default true). */
  allowPadding?: boolean;
}

const MAX_TAG_BYTES = 4;
const MAX_LENGTH_BYTES = 4;
/**
 * Deepest nesting parseTlv accepts. Card data nests four or five levels (6F/A5/BF0C/61/4F); a card
 * or a file that sends thousands would otherwise exhaust the stack.
 */
export const MAX_TLV_DEPTH = 64;

/**
 * Parses a sequence of BER-TLV objects. Truncated or inconsistent input, or nesting deeper than
 * MAX_TLV_DEPTH, throws a DecodeError naming the offset; non-minimal lengths (81 08) are read as
 * what they say.
 */
export function parseTlv(bytes: Uint8Array, options: TlvParseOptions = {}, baseOffset = 0): Tlv[] {
  return parseLevel(bytes, options, baseOffset, 1);
}

function parseLevel(bytes: Uint8Array, options: TlvParseOptions, baseOffset: number, depth: number): Tlv[] {
  const recursive = options.recursive ?? true;
  const allowPadding = options.allowPadding ?? true;
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    const first = bytes[i]!;
    if (allowPadding && (first === 0x00 || first === 0xff)) {
      i++;
      continue;
    }
    const start = i;
    // Tag: low five bits all set means more tag bytes follow, each with b8 set except the last.
    let tag = first;
    let tagLen = 1;
    i++;
    if ((first & 0x1f) === 0x1f) {
      for (;;) {
        if (i >= bytes.length) throw new DecodeError('TLV', baseOffset + i, 'tag truncated');
        const b = bytes[i]!;
        tag = tag * 256 + b;
        tagLen++;
        i++;
        if (tagLen > MAX_TAG_BYTES) throw new DecodeError('TLV', baseOffset + start, `tag longer than ${MAX_TAG_BYTES} bytes`);
        if ((b & 0x80) === 0) break;
      }
    }
    if (i >= bytes.length) throw new DecodeError('TLV', baseOffset + i, `length of tag ${toHex(bytes.subarray(start, i))} missing`);
    let length = bytes[i]!;
    i++;
    if (length === 0x80) throw new DecodeError('TLV', baseOffset + i - 1, 'indefinite length (80) is not allowed');
    if (length > 0x80) {
      const n = length & 0x7f;
      if (n > MAX_LENGTH_BYTES) throw new DecodeError('TLV', baseOffset + i - 1, `length field of ${n} bytes is too long`);
      if (i + n > bytes.length) throw new DecodeError('TLV', baseOffset + i, 'length field truncated');
      length = 0;
      for (let k = 0; k < n; k++) length = length * 256 + bytes[i + k]!;
      i += n;
    }
    if (i + length > bytes.length) {
      throw new DecodeError(
        'TLV',
        baseOffset + start,
        `tag ${toHex(bytes.subarray(start, start + tagLen))} needs ${length} value bytes, ${bytes.length - i} left`,
      );
    }
    const value = bytes.slice(i, i + length);
    const constructed = (first & 0x20) !== 0;
    const tlv: Tlv = { tag, tagHex: toHex(bytes.subarray(start, start + tagLen)), constructed, value, offset: baseOffset + start };
    if (constructed && recursive) {
      if (depth === MAX_TLV_DEPTH) throw new DecodeError('TLV', baseOffset + start, `nesting deeper than ${MAX_TLV_DEPTH} levels`);
      tlv.children = parseLevel(value, options, baseOffset + i, depth + 1);
    }
    out.push(tlv);
    i += length;
  }
  return out;
}

/** Depth-first search for the first object with `tag` (number or hex). */
export function findTlv(objects: Tlv[], tag: number | string): Tlv | undefined {
  const wanted = typeof tag === 'string' ? Number.parseInt(tag, 16) : tag;
  for (const o of objects) {
    if (o.tag === wanted) return o;
    if (o.children) {
      const hit = findTlv(o.children, wanted);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Follows a path of tags from the top level, e.g. ["6F", "A5", "BF0C", "61", "4F"]. */
export function tlvAtPath(objects: Tlv[], path: Array<number | string>): Tlv | undefined {
  let level: Tlv[] | undefined = objects;
  let hit: Tlv | undefined;
  for (const step of path) {
    const wanted = typeof step === 'string' ? Number.parseInt(step, 16) : step;
    hit = level?.find((o) => o.tag === wanted);
    if (!hit) return undefined;
    level = hit.children;
  }
  return hit;
}

export function encodeTag(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffffff) throw new InputError('tag', `tag ${tag} is out of range`);
  const bytes: number[] = [];
  let t = tag;
  while (t > 0) {
    bytes.unshift(t & 0xff);
    t = Math.floor(t / 256);
  }
  return Uint8Array.from(bytes);
}

export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff)
    throw new InputError('length', `TLV length ${length} is out of range`);
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  let l = length;
  while (l > 0) {
    bytes.unshift(l & 0xff);
    l = Math.floor(l / 256);
  }
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** Builds one TLV object with the minimal length encoding. */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes(encodeTag(tag), encodeLength(value.length), value);
}

/** A tree to build: a primitive value, or children for a constructed tag. */
export type TlvNode = { tag: number; value: Uint8Array } | { tag: number; children: TlvNode[] };

export function buildTlv(nodes: TlvNode[]): Uint8Array {
  return concatBytes(...nodes.map((n) => ('children' in n ? encodeTlv(n.tag, buildTlv(n.children)) : encodeTlv(n.tag, n.value))));
}

/** Parsed objects back to nodes (the inverse of parseTlv for minimal encodings). */
export function toTlvNodes(objects: Tlv[]): TlvNode[] {
  return objects.map((o) => (o.children ? { tag: o.tag, children: toTlvNodes(o.children) } : { tag: o.tag, value: o.value }));
}
