import { InputError } from '../../errors.js';

/**
 * The reader interface's file addresses (card-spec §10.3, SC iReadCard): `SSSEEF05|01|07|$DF01EF15|2A|40:2|$`
 * — per file the application (SSSE or DFxx) and the EF id, then record identifiers (tags, hex)
 * separated by `|`, `tag:n` for the n-th record with that identifier, `:n` for the n-th record
 * of a cyclic file; `$` ends a file. No items: the whole file (every record, or the transparent content).
 */
export interface ItemAddress {
  /** Record identifier (the record's tag); undefined for a tagless record (`:n`). */
  tag: number | undefined;
  /** Which record with that identifier (1 = the first). */
  occurrence: number;
}

export interface FileAddress {
  /** `SSSE` or `DF01`…`DF07`. */
  application: string;
  /** EF id, e.g. 0xEF05. */
  ef: number;
  items: ItemAddress[];
}

export function parseFileAddress(text: string): FileAddress[] {
  const files = text.trim().split('$');
  if (files.pop()?.trim() !== '') throw new InputError('address', 'a file address ends with "$" (e.g. SSSEEF05|01|07|$)');
  if (files.length === 0) throw new InputError('address', 'no file in the address');
  return files.map((file) => {
    const [head, ...rest] = file.split('|');
    const m = /^(SSSE|DF0[1-7])(EF[0-9A-F]{2})$/i.exec(head!.trim());
    if (!m) throw new InputError('address', `"${head}" is not SSSE or DF01…DF07 followed by an EF id (e.g. DF01EF15)`);
    if (rest.pop()?.trim() !== '') throw new InputError('address', `the items of ${head} end with "|" before "$"`);
    const items = rest.map((item): ItemAddress => {
      const im = /^([0-9A-F]{2})?(?::(\d{1,3}))?$/i.exec(item.trim());
      if (!im || (im[1] === undefined && im[2] === undefined)) throw new InputError('address', `"${item}" is not a tag (hex), tag:n or :n`);
      const occurrence = im[2] === undefined ? 1 : Number(im[2]);
      if (occurrence < 1) throw new InputError('address', `"${item}": records count from 1`);
      return { tag: im[1] === undefined ? undefined : Number.parseInt(im[1], 16), occurrence };
    });
    return { application: m[1]!.toUpperCase(), ef: Number.parseInt(m[2]!.slice(2), 16) | 0xef00, items };
  });
}

export function formatItemAddress(item: ItemAddress): string {
  const tag = item.tag === undefined ? '' : item.tag.toString(16).toUpperCase().padStart(2, '0');
  return item.tag !== undefined && item.occurrence === 1 ? tag : `${tag}:${item.occurrence}`;
}

export function fileName(file: { application: string; ef: number }): string {
  return `${file.application}EF${(file.ef & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
}
