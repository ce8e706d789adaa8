import { formatYuan } from './amount.js';
import { decodeBcdDigits, decodeCn } from './bcd.js';
import { decodeBcdDate } from './bcd-date.js';
import { decodeAn, decodeGbk } from './gbk.js';
import { toHex, toSpacedHex } from './hex.js';
import type { Tlv } from './tlv.js';
import { lookupTag, type TagContext, type TagInfo } from './tlv-dictionary.js';

/** A decoded object as the pretty-printer and `--json` show it. */
export interface TlvView {
  tag: string;
  name?: string;
  length: number;
  hex: string;
  /** The value in its format (text, digits, a date, yuan), when it decodes cleanly. */
  text?: string;
  children?: TlvView[];
}

export function viewTlv(objects: Tlv[], context: TagContext = 'emv'): TlvView[] {
  return objects.map((o) => {
    const info = lookupTag(o.tagHex, context);
    const view: TlvView = { tag: o.tagHex, length: o.value.length, hex: toHex(o.value) };
    if (info) view.name = info.nameZh ? `${info.name} (${info.nameZh})` : info.name;
    if (o.children) view.children = viewTlv(o.children, context);
    else {
      const text = describeValue(o.value, info);
      if (text !== undefined) view.text = text;
    }
    return view;
  });
}

/** An indented tree, one object per line: `tag len  name: value`. */
export function formatTlvTree(objects: Tlv[], context: TagContext = 'emv'): string {
  const lines: string[] = [];
  const walk = (views: TlvView[], depth: number): void => {
    for (const v of views) {
      const head = `${'  '.repeat(depth)}${v.tag} ${v.length.toString(16).toUpperCase().padStart(2, '0')}`;
      const name = v.name ?? 'unknown tag';
      if (v.children) {
        lines.push(`${head}  ${name}`);
        walk(v.children, depth + 1);
      } else {
        const hex = v.hex.length > 0 ? toSpacedHex(Buffer.from(v.hex, 'hex')) : '(empty)';
        lines.push(`${head}  ${name}: ${hex}${v.text !== undefined ? `  "${v.text}"` : ''}`);
      }
    }
  };
  walk(viewTlv(objects, context), 0);
  return lines.join('\n');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function describeValue(value: Uint8Array, info: TagInfo | undefined): string | undefined {
  try {
    switch (info?.format) {
      case 'an':
      case 'ans': {
        const t = decodeAn(value);
        return PRINTABLE_ASCII.test(t) ? t : undefined;
      }
      case 'gbk':
        return decodeAn(value);
      case 'cn':
        return decodeCn(value);
      case 'n':
        return decodeBcdDigits(value);
      case 'date':
        return decodeBcdDate(value);
      case 'amount':
        return `${formatYuan(Number(decodeBcdDigits(value)))} yuan`;
      default: {
        // Unknown binary: show text only when it is plainly text (AIDs like "2PAY.SYS.DDF01", DF names in GBK).
        if (value.length < 2) return undefined;
        const ascii = Buffer.from(value).toString('latin1');
        if (PRINTABLE_ASCII.test(ascii)) return ascii;
        const gbk = decodeGbk(value);
        return /^[\x20-\x7e\u4e00-\u9fff]+$/.test(gbk) && !gbk.includes('\ufffd') ? gbk : undefined;
      }
    }
  } catch {
    return undefined;
  }
}
