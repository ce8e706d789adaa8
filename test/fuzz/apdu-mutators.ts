import type { Prng } from './prng.js';

/** Instructions the cards know (ISO, PBOC, e-purse, medical, PKI); the rest of 00..FF is drawn too. */
const KNOWN_INS = [
  0xa4, 0xb0, 0xd6, 0xb2, 0xdc, 0x20, 0x5e, 0x24, 0x84, 0x82, 0x88, 0xca, 0x1e, 0x18, 0x16, 0xc0, 0x54, 0x50, 0x52, 0x5c, 0xa8, 0xae, 0xe6,
  0x40, 0x2a, 0x28, 0x2c, 0x26, 0x2e, 0x56,
];
const CLAS = [0x00, 0x00, 0x80, 0x80, 0x04, 0x84, 0x0c, 0x8c, 0x10, 0x90, 0x01, 0x03, 0xff, 0x40, 0x60, 0xa0, 0xb0, 0xb0];
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x09, 0x0c, 0x10, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xff];
/** Commands a MAC may protect: PIN UNBLOCK, RELOAD, UPDATE BINARY/RECORD, APPLICATION/CARD BLOCK, UNBLOCK. */
const SM_INS = [0x24, 0x5e, 0xd6, 0xdc, 0x1e, 0x18, 0x16];

export type GeneratorName =
  | 'bytes'
  | 'header'
  | 'bad-length'
  | 'extended'
  | 'chained'
  | 'wrong-mac'
  | 'mutate'
  | 'get-response'
  | 'records';

function param(r: Prng): number {
  return r.chance(0.6) ? r.pick(INTERESTING) : r.byte();
}

function ins(r: Prng): number {
  return r.chance(0.7) ? r.pick(KNOWN_INS) : r.byte();
}

function dataLength(r: Prng): number {
  return r.weighted([
    [5, r.int(1, 8)],
    [3, r.int(9, 40)],
    [1, r.int(41, 255)],
  ]);
}

/** A well-formed short APDU of a random case. */
function shortApdu(r: Prng, cla: number, i: number): number[] {
  const out = [cla, i, param(r), param(r)];
  const kind = r.int(1, 4);
  if (kind >= 3) {
    const n = dataLength(r);
    out.push(n, ...r.bytes(n));
  }
  if (kind === 2 || kind === 4) out.push(r.chance(0.5) ? 0 : r.byte());
  return out;
}

function badLength(r: Prng): number[] {
  const out = shortApdu(r, r.pick(CLAS), ins(r));
  const variant = r.int(0, 4);
  if (variant === 0) return out.slice(0, r.int(0, out.length)); // truncated anywhere
  if (variant === 1 && out.length > 4) out[4] = (out[4]! + r.int(1, 3)) & 0xff; // Lc larger than the data
  if (variant === 2 && out.length > 5) out[4] = Math.max(1, out[4]! - r.int(1, 3)); // Lc smaller
  if (variant === 3) out.push(...r.bytes(r.int(1, 4))); // trailing garbage
  if (variant === 4) out.splice(4, out.length - 4, 0x00); // Lc 00 alone
  return out;
}

function extended(r: Prng): number[] {
  const out = [r.pick(CLAS), ins(r), param(r), param(r), 0x00];
  const variant = r.int(0, 4);
  if (variant === 0)
    out.push(r.byte(), r.byte()); // case 2E: Le only
  else {
    const n = r.chance(0.8) ? r.int(1, 300) : r.int(256, 700);
    const data = r.bytes(n);
    const lc = variant === 4 ? n + r.int(-2, 2) : n;
    out.push((lc >> 8) & 0xff, lc & 0xff, ...data);
    if (variant === 2) out.push(r.byte(), r.byte()); // case 4E
    if (variant === 3) out.push(r.byte()); // one stray Le byte: malformed
  }
  return out;
}

/**
 * Random and mutated commands. `corpus` holds recent valid commands (from the operations); the
 * mutator flips bits, replaces, inserts, drops and swaps bytes in them.
 */
export function randomCommands(r: Prng, corpus: readonly Uint8Array[]): { name: GeneratorName; commands: Uint8Array[] } {
  const name: GeneratorName = r.weighted([
    [2, 'bytes'],
    [6, 'header'],
    [3, 'bad-length'],
    [2, 'extended'],
    [1, 'chained'],
    [2, 'wrong-mac'],
    [6, 'mutate'],
    [1, 'get-response'],
    [2, 'records'],
  ] as const);
  const one = (bytes: number[] | Uint8Array) => ({ name, commands: [Uint8Array.from(bytes)] });
  switch (name) {
    case 'bytes':
      return one(r.bytes(r.chance(0.8) ? r.int(0, 8) : r.int(9, 300)));
    case 'header':
      return one(shortApdu(r, r.chance(0.85) ? r.pick(CLAS) : r.byte(), ins(r)));
    case 'bad-length':
      return one(badLength(r));
    case 'extended':
      return one(extended(r));
    case 'chained':
      return one(shortApdu(r, r.pick([0x10, 0x90, 0x14, 0x94]), ins(r)));
    case 'wrong-mac': {
      const data = r.bytes(r.int(0, 12));
      const cmd = [0x84, r.pick(SM_INS), param(r), param(r), data.length + 4, ...data, ...r.bytes(4)];
      return { name, commands: [Uint8Array.of(0x00, 0x84, 0x00, 0x00, r.pick([4, 8, 16])), Uint8Array.from(cmd)] };
    }
    case 'mutate': {
      if (corpus.length === 0) return one(shortApdu(r, 0x00, ins(r)));
      const bytes = Array.from(r.pick(corpus));
      for (let k = r.int(1, 3); k > 0; k--) mutate(r, bytes);
      return one(bytes);
    }
    case 'get-response':
      return one([0x00, 0xc0, 0x00, 0x00, ...(r.chance(0.8) ? [r.byte()] : [])]);
    case 'records': {
      const sfi = r.int(0, 31);
      const op = r.pick([0xb2, 0xdc, 0xb0, 0xd6]);
      if (op === 0xb2 || op === 0xb0) return one([r.pick([0x00, 0x04]), op, r.byte(), (sfi << 3) | r.int(0, 7), r.byte()]);
      const data = r.bytes(r.int(1, 40));
      return one([r.pick([0x00, 0x04]), op, r.byte(), (sfi << 3) | r.int(0, 7), data.length, ...data]);
    }
  }
}

function mutate(r: Prng, bytes: number[]): void {
  const at = r.int(0, Math.max(0, bytes.length - 1));
  switch (r.int(0, 6)) {
    case 0:
      if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << r.int(0, 7));
      break;
    case 1:
      if (bytes.length > 0) bytes[at] = r.byte();
      break;
    case 2:
      bytes.splice(at, 0, r.byte());
      break;
    case 3:
      bytes.splice(at, 1);
      break;
    case 4:
      bytes.length = r.int(0, bytes.length);
      break;
    case 5:
      if (bytes.length >= 4) [bytes[2], bytes[3]] = [bytes[3]!, bytes[2]!];
      break;
    default:
      if (bytes.length > 4) bytes[4] = r.byte(); // Lc
  }
}
