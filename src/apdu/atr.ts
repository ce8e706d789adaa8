import { toHex } from '../bytes/hex.js';
import { DecodeError } from '../errors.js';

/** One interface byte (TA1, TD1, TB3, …) with what it says. */
export interface AtrInterfaceByte {
  name: string;
  value: number;
  meaning: string;
}

/** What PC/SC part 3 says about a contactless card behind a synthesized ATR. */
export interface ContactlessInfo {
  /** `storage`: memory card (MIFARE Classic, Ultralight, FeliCa…); `iso14443-4`: a processor card (ATS or ATQB behind). */
  form: 'storage' | 'iso14443-4';
  /** Storage cards: the standard byte and its name, e.g. 03 "ISO 14443 A part 3". */
  standard?: { code: number; name: string };
  /** Storage cards: the card name code and its name, e.g. 0001 "MIFARE Classic 1K". */
  cardName?: { code: number; name: string };
}

export interface DecodedAtr {
  bytes: Uint8Array;
  ts: number;
  convention: 'direct' | 'inverse';
  t0: number;
  interfaceBytes: AtrInterfaceByte[];
  /** Protocols the card offers, first the one it prefers (T=15 "global" is not a protocol). */
  protocols: number[];
  /** From TA1 (defaults 372 / 1 when absent). */
  fi: number;
  di: number;
  /** Maximum clock in MHz from TA1, when TA1 is there and not RFU. */
  fMaxMhz?: number;
  historicalBytes: Uint8Array;
  /** Category indicator and COMPACT-TLV objects of the historical bytes where they follow ISO 7816-4. */
  historical: { category?: number; objects: Array<{ tag: number; value: Uint8Array; meaning: string }>; text?: string };
  /** TCK and whether the XOR of T0..TCK is zero; absent when only T=0 is offered (then no TCK). */
  tck?: { value: number; valid: boolean };
  kind: 'contact' | 'contactless';
  contactless?: ContactlessInfo;
  /** Things that are off but not fatal: a wrong TCK, bytes after the ATR. */
  problems: string[];
}

const FI_TABLE = [372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0];
const FMAX_TABLE = [4, 5, 6, 8, 12, 16, 20, 0, 0, 5, 7.5, 10, 15, 20, 0, 0];
const DI_TABLE = [0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0];

/** PC/SC part 3 supplement: standard byte of a storage card's synthesized ATR. */
const CONTACTLESS_STANDARDS: Record<number, string> = {
  1: 'ISO 14443 A part 1',
  2: 'ISO 14443 A part 2',
  3: 'ISO 14443 A part 3',
  5: 'ISO 14443 B part 1',
  6: 'ISO 14443 B part 2',
  7: 'ISO 14443 B part 3',
  9: 'ISO 15693 part 1',
  10: 'ISO 15693 part 2',
  11: 'ISO 15693 part 3',
  12: 'ISO 15693 part 4',
  13: 'contact (ISO 7816-10) I2C',
  14: 'contact (ISO 7816-10) extended I2C',
  15: 'contact (ISO 7816-10) 2WBP',
  16: 'contact (ISO 7816-10) 3WBP',
  17: 'FeliCa',
  64: 'low frequency contactless',
};

/** PC/SC part 3 supplement: card names of storage cards. */
const CONTACTLESS_CARD_NAMES: Record<number, string> = {
  1: 'MIFARE Classic 1K',
  2: 'MIFARE Classic 4K',
  3: 'MIFARE Ultralight',
  4: 'SLE55R_XXXX',
  6: 'SR176',
  7: 'SRI X4K',
  8: 'AT88RF020',
  9: 'AT88SC0204CRF',
  10: 'AT88SC0808CRF',
  11: 'AT88SC1616CRF',
  12: 'AT88SC3216CRF',
  13: 'AT88SC6416CRF',
  14: 'SRF55V10P',
  15: 'SRF55V02P',
  16: 'SRF55V10S',
  17: 'SRF55V02S',
  18: 'TAG-IT',
  19: 'LRI512',
  20: 'ICODE SLI',
  21: 'TEMPSENS',
  22: 'ICODE1',
  23: 'PicoPass 2K',
  24: 'PicoPass 2KS',
  25: 'PicoPass 16K',
  26: 'PicoPass 16KS',
  27: 'PicoPass 16K(8x2)',
  28: 'PicoPass 16KS(8x2)',
  29: 'PicoPass 32KS(16+16)',
  30: 'PicoPass 32KS(16+8x2)',
  31: 'PicoPass 32KS(8x2+16)',
  32: 'PicoPass 32KS(8x2+8x2)',
  33: 'LRI64',
  34: 'ICODE UID',
  35: 'ICODE EPC',
  36: 'LRI12',
  37: 'LRI128',
  38: 'MIFARE Mini',
  39: 'my-d move (SLE 66R01P)',
  40: 'my-d NFC (SLE 66RxxP)',
  41: 'my-d proximity 2 (SLE 66RxxS)',
  42: 'my-d proximity enhanced (SLE 55RxxE)',
  43: 'my-d light (SRF 55V01P)',
  44: 'PJM Stack Tag (SRF 66V10ST)',
  45: 'PJM Item Tag (SRF 66V10IT)',
  46: 'PJM Light (SRF 66V01ST)',
  47: 'Jewel Tag',
  48: 'Topaz NFC Tag',
  49: 'AT88SC0104CRF',
  50: 'AT88SC0404CRF',
  51: 'AT88RF01C',
  52: 'AT88RF04C',
  53: 'i-Code SL2',
  54: 'MIFARE Plus SL1 2K',
  55: 'MIFARE Plus SL1 4K',
  56: 'MIFARE Plus SL2 2K',
  57: 'MIFARE Plus SL2 4K',
  58: 'MIFARE Ultralight C',
  59: 'FeliCa',
  60: 'Melexis Sensor Tag (MLX90129)',
  61: 'MIFARE Ultralight EV1',
};

/** The registered application provider id PC/SC uses in storage-card ATRs. */
const PCSC_RID = [0xa0, 0x00, 0x00, 0x03, 0x06];

/**
 * Decodes an ATR (ISO 7816-3 §8): TS, T0, the TA/TB/TC/TD chains, protocols, historical bytes
 * and TCK, and recognises the ATR a PC/SC reader synthesizes for a contactless card
 * (`3B 8n 80 01 <historical bytes> TCK`, PC/SC part 3 §3.1.3.2.3).
 * Throws DecodeError when the bytes are not an ATR at all; softer faults land in `problems`.
 */
export function decodeAtr(bytes: Uint8Array): DecodedAtr {
  if (bytes.length < 2) throw new DecodeError('ATR', bytes.length, `an ATR has at least TS and T0, got ${bytes.length} byte(s)`);
  if (bytes.length > 33) throw new DecodeError('ATR', 33, `an ATR has at most 33 bytes, got ${bytes.length}`);
  const ts = bytes[0]!;
  if (ts !== 0x3b && ts !== 0x3f) throw new DecodeError('ATR', 0, `TS must be 3B (direct) or 3F (inverse), got ${hex2(ts)}`);
  const t0 = bytes[1]!;
  const historicalLength = t0 & 0x0f;
  const interfaceBytes: AtrInterfaceByte[] = [];
  const offered: number[] = [];
  let y = t0 >> 4;
  let offset = 2;
  let level = 1;
  // The protocol that the TD before the current group named: it gives meaning to TA/TB/TC at level ≥ 3.
  let previousT = -1;
  let fi = 372;
  let di = 1;
  let fMaxMhz: number | undefined;
  for (;;) {
    for (const [bit, letter] of [
      [0x1, 'A'],
      [0x2, 'B'],
      [0x4, 'C'],
      [0x8, 'D'],
    ] as const) {
      if (!(y & bit)) continue;
      if (offset >= bytes.length) throw new DecodeError('ATR', offset, `T${letter}${level} announced but the ATR ends`);
      const value = bytes[offset++]!;
      const name = `T${letter}${level}`;
      if (name === 'TA1') {
        fi = FI_TABLE[value >> 4] ?? 0;
        di = DI_TABLE[value & 0x0f] ?? 0;
        fMaxMhz = FMAX_TABLE[value >> 4] || undefined;
      }
      interfaceBytes.push({ name, value, meaning: meaningOf(letter, level, value, previousT) });
      if (letter === 'D') offered.push(value & 0x0f);
    }
    if (!(y & 0x8)) break;
    const td = interfaceBytes[interfaceBytes.length - 1]!.value;
    previousT = td & 0x0f;
    y = td >> 4;
    level++;
  }
  const protocols = [...new Set(offered.filter((t) => t !== 15))];
  if (protocols.length === 0) protocols.push(0);
  const needsTck = offered.some((t) => t !== 0);
  const historicalEnd = offset + historicalLength;
  if (historicalEnd > bytes.length) {
    throw new DecodeError(
      'ATR',
      bytes.length,
      `T0 announces ${historicalLength} historical byte(s) but only ${bytes.length - offset} follow`,
    );
  }
  const historicalBytes = bytes.slice(offset, historicalEnd);
  const problems: string[] = [];
  let tck: DecodedAtr['tck'];
  let end = historicalEnd;
  if (needsTck) {
    if (historicalEnd >= bytes.length)
      throw new DecodeError('ATR', historicalEnd, 'TCK missing (required when a protocol other than T=0 is offered)');
    let x = 0;
    for (let i = 1; i <= historicalEnd; i++) x ^= bytes[i]!;
    tck = { value: bytes[historicalEnd]!, valid: x === 0 };
    if (x !== 0) problems.push(`TCK ${hex2(bytes[historicalEnd]!)} is wrong: the XOR of T0..TCK is ${hex2(x)}, expected 00`);
    end = historicalEnd + 1;
  }
  if (end < bytes.length) problems.push(`${bytes.length - end} byte(s) after the end of the ATR: ${toHex(bytes.slice(end))}`);
  const contactless = contactlessInfo(ts, t0, interfaceBytes, historicalBytes);
  return {
    bytes: bytes.slice(),
    ts,
    convention: ts === 0x3b ? 'direct' : 'inverse',
    t0,
    interfaceBytes,
    protocols,
    fi,
    di,
    ...(fMaxMhz !== undefined ? { fMaxMhz } : {}),
    historicalBytes,
    historical: decodeHistorical(historicalBytes),
    ...(tck ? { tck } : {}),
    kind: contactless ? 'contactless' : 'contact',
    ...(contactless ? { contactless } : {}),
    problems,
  };
}

/** True when the ATR is one a PC/SC reader synthesizes for a contactless card. */
export function isContactlessAtr(bytes: Uint8Array): boolean {
  try {
    return decodeAtr(bytes).kind === 'contactless';
  } catch {
    return false;
  }
}

function contactlessInfo(ts: number, t0: number, ib: AtrInterfaceByte[], hist: Uint8Array): ContactlessInfo | undefined {
  // 3B 8n 80 01: TD1 only in T0, TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1, nothing follows).
  if (ts !== 0x3b || t0 >> 4 !== 0x8 || ib.length !== 2 || ib[0]!.value !== 0x80 || ib[1]!.value !== 0x01) return undefined;
  const isStorage = hist.length >= 11 && hist[0] === 0x80 && hist[1] === 0x4f && PCSC_RID.every((b, i) => hist[3 + i] === b);
  if (!isStorage) return { form: 'iso14443-4' };
  const standardCode = hist[8]!;
  const nameCode = (hist[9]! << 8) | hist[10]!;
  return {
    form: 'storage',
    standard: { code: standardCode, name: CONTACTLESS_STANDARDS[standardCode] ?? 'unknown standard' },
    cardName: { code: nameCode, name: CONTACTLESS_CARD_NAMES[nameCode] ?? 'unknown card' },
  };
}

function meaningOf(letter: 'A' | 'B' | 'C' | 'D', level: number, v: number, previousT: number): string {
  if (letter === 'D') {
    const next = ['TA', 'TB', 'TC', 'TD'].filter((_, i) => v & (0x10 << i)).map((n) => `${n}${level + 1}`);
    return `protocol T=${v & 0x0f}${(v & 0x0f) === 15 ? ' (global parameters)' : ''}${next.length ? `, ${next.join(' ')} follow` : ''}`;
  }
  if (level === 1) {
    if (letter === 'A') {
      const f = FI_TABLE[v >> 4];
      const d = DI_TABLE[v & 0x0f];
      const fmax = FMAX_TABLE[v >> 4];
      return `Fi=${f || 'RFU'}${fmax ? ` (f max ${fmax} MHz)` : ''}, Di=${d || 'RFU'}`;
    }
    if (letter === 'B') return 'programming voltage (deprecated)';
    return v === 255 ? 'extra guard time N=255 (minimum: 11 etu for T=1, 12 for T=0)' : `extra guard time N=${v} etu`;
  }
  if (level === 2) {
    if (letter === 'A')
      return `specific mode: T=${v & 0x0f}${v & 0x80 ? ', cannot switch' : ', can switch'}${v & 0x10 ? ', implicit Fi/Di' : ''}`;
    if (letter === 'B') return 'programming voltage (deprecated)';
    if (letter === 'C' && previousT === 0) return `T=0 work waiting time WI=${v}`;
  }
  if (previousT === 1) {
    if (letter === 'A') return `T=1 IFSC=${v} bytes`;
    if (letter === 'B') return `T=1 BWI=${v >> 4}, CWI=${v & 0x0f}`;
    if (letter === 'C') return `T=1 error detection: ${v & 1 ? 'CRC' : 'LRC'}`;
  }
  if (previousT === 15) {
    if (letter === 'A') {
      const clock = ['not supported', 'state L', 'state H', 'no preference'][v >> 6];
      const classes = [v & 1 ? 'A (5 V)' : '', v & 2 ? 'B (3 V)' : '', v & 4 ? 'C (1.8 V)' : ''].filter(Boolean).join(', ');
      return `clock stop ${clock}; class ${classes || 'none'}`;
    }
    if (letter === 'B') return `SPU ${v === 0 ? 'not used' : `0x${hex2(v)}`}`;
  }
  return `T${letter}${level} = ${hex2(v)}`;
}

/** ISO 7816-4 §8.1.1: category indicator, then COMPACT-TLV (tag nibble, length nibble). */
function decodeHistorical(hist: Uint8Array): DecodedAtr['historical'] {
  const out: DecodedAtr['historical'] = { objects: [] };
  if (hist.length === 0) return out;
  const category = hist[0]!;
  out.category = category;
  if (category === 0x00 || category === 0x80) {
    // Category 00 ends with three status bytes that are not TLV.
    const end = category === 0x00 ? hist.length - 3 : hist.length;
    let i = 1;
    const objects: DecodedAtr['historical']['objects'] = [];
    while (i < end) {
      const tag = hist[i]! >> 4;
      const length = hist[i]! & 0x0f;
      if (i + 1 + length > end) return withText(out, hist);
      objects.push({ tag, value: hist.slice(i + 1, i + 1 + length), meaning: COMPACT_TAGS[tag] ?? 'unknown' });
      i += 1 + length;
    }
    out.objects = objects;
  }
  return withText(out, hist);
}

function withText(out: DecodedAtr['historical'], hist: Uint8Array): DecodedAtr['historical'] {
  // Many cards put a readable name in the historical bytes; show it when it is mostly printable.
  const printable = [...hist].filter((b) => b >= 0x20 && b < 0x7f).length;
  if (hist.length >= 4 && printable >= hist.length * 0.6) {
    out.text = String.fromCharCode(...[...hist].map((b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
  }
  return out;
}

const COMPACT_TAGS: Record<number, string> = {
  1: 'country code and national data',
  2: 'issuer identification number',
  3: 'card service data',
  4: 'initial access data',
  5: 'card issuer data',
  6: 'pre-issuing data',
  7: 'card capabilities',
  8: 'status information',
  15: 'application identifier',
};

/** Human-readable lines, one fact per line, for `sscard atr` and `sscard readers`. */
export function describeAtr(atr: DecodedAtr): string[] {
  const lines = [`ATR: ${toHex(atr.bytes).replace(/(..)(?!$)/g, '$1 ')}`];
  lines.push(`TS = ${hex2(atr.ts)}  ${atr.convention} convention`);
  lines.push(`T0 = ${hex2(atr.t0)}  Y1=${(atr.t0 >> 4).toString(2).padStart(4, '0')}b, ${atr.t0 & 0x0f} historical byte(s)`);
  for (const b of atr.interfaceBytes) lines.push(`${b.name.padEnd(4)} = ${hex2(b.value)}  ${b.meaning}`);
  lines.push(`protocols: ${atr.protocols.map((t) => `T=${t}`).join(', ')}`);
  if (atr.historicalBytes.length) {
    lines.push(`historical bytes: ${toHex(atr.historicalBytes)}${atr.historical.text ? `  "${atr.historical.text}"` : ''}`);
    if (atr.historical.category !== undefined) lines.push(`  category indicator ${hex2(atr.historical.category)}`);
    for (const o of atr.historical.objects) lines.push(`  tag ${o.tag.toString(16).toUpperCase()} (${o.meaning}): ${toHex(o.value)}`);
  } else {
    lines.push('historical bytes: none');
  }
  if (atr.tck) lines.push(`TCK  = ${hex2(atr.tck.value)}  ${atr.tck.valid ? 'correct' : 'WRONG'}`);
  if (atr.contactless) {
    const c = atr.contactless;
    lines.push(
      c.form === 'storage'
        ? `contactless storage card (PC/SC synthesized ATR): ${c.standard?.name} [${hex2(c.standard?.code ?? 0)}], ${c.cardName?.name} [${(c.cardName?.code ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`
        : 'contactless ISO 14443-4 card (PC/SC synthesized ATR; historical bytes from the ATS or ATQB)',
    );
  } else {
    lines.push('contact card');
  }
  for (const p of atr.problems) lines.push(`warning: ${p}`);
  return lines;
}

function hex2(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}
