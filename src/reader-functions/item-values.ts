import { fileName, parseFileAddress } from '../applications/social-security/file-address.js';
import type { FileItems, ItemValue } from '../applications/social-security/file-items.js';
import { decodeCn, encodeCn } from '../bytes/bcd.js';
import { decodeAn, encodeGbk } from '../bytes/gbk.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { lookupTag, type TagFormat } from '../bytes/tlv-dictionary.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/**
 * Item values as the reader functions write them (SC fn 2.1.2 (5): `DF01EF0A|CHN|$`): text for
 * the items whose format the specification gives (SSSE EF05/EF06, DF04 EF05/EF06: `an` as GBK text,
 * `cn` and dates as digits), hex for every other item, cyclic record and transparent file — the
 * other files' item formats are not in card-spec [choice].
 */
type ValueForm = 'text' | 'digits' | 'hex';

function formOf(application: string, tag: number | undefined): ValueForm {
  if (tag === undefined) return 'hex';
  const context = application === 'SSSE' ? 'ssse' : application === 'DF04' ? 'medical' : undefined;
  const format: TagFormat | undefined = context && lookupTag(tag.toString(16).padStart(2, '0'), context)?.format;
  if (format === 'an' || format === 'ans' || format === 'gbk') return 'text';
  if (format === 'cn' || format === 'n' || format === 'date') return 'digits';
  return 'hex';
}

export function formatItemValue(application: string, item: ItemValue): string {
  const form = formOf(application, item.tag);
  if (form === 'text') return decodeAn(item.value);
  if (form === 'digits') return decodeCn(item.value);
  return toHex(item.value);
}

/** A written value by the item's form: bad hex or digits → −41. */
export function parseItemValue(application: string, tag: number | undefined, text: string): Uint8Array {
  const form = formOf(application, tag);
  if (form === 'text') return encodeGbk(text);
  if ((form === 'digits' && !/^\d*$/.test(text)) || (form === 'hex' && !/^(?:[0-9A-Fa-f]{2})*$/.test(text))) {
    throw new ReaderFunctionError(
      RETURN_CODE.illegalCharacters,
      `pWriteData 的“${text.slice(0, 20)}”应为${form === 'hex' ? '十六进制' : '数字'}`,
    );
  }
  return form === 'digits' ? encodeCn(text, Math.ceil(text.length / 2)) : fromHex(text);
}

/**
 * The output of iReadCard (SC fn 2.1.2 (4)–(5)): the address mirrored with values; a cyclic file's
 * records each as `value^|` (a record is one hex item), a transparent file as one value.
 */
export function formatFiles(files: FileItems[]): string {
  return files
    .map((f) => {
      const application = f.file.slice(0, 4);
      const values = f.items.map((i) => (i.address.startsWith(':') ? `${toHex(i.value)}^|` : `${formatItemValue(application, i)}|`));
      return `${f.file}|${values.join('')}$`;
    })
    .join('');
}

/**
 * pWriteData against pFileAddr (SC fn 3.1.2 (4)): the same files and as many values, in order;
 * a cyclic record may end with `^`. Any mismatch → −23.
 */
export function parseWriteData(address: string, writeData: string): Uint8Array[] {
  const files = parseFileAddress(address);
  const parts = writeData.split('$');
  if (parts.pop() !== '' || parts.length !== files.length) throw mismatch();
  return files.flatMap((file, k) => {
    const [name, ...rest] = parts[k]!.split('|');
    if (rest.pop() !== '' || name?.toUpperCase() !== fileName(file)) throw mismatch();
    const items = file.items.length === 0 ? [{ tag: undefined }] : file.items;
    if (rest.length !== items.length) throw mismatch();
    return rest.map((text, i) => parseItemValue(file.application, items[i]!.tag, text.replace(/\^$/, '')));
  });
}

function mismatch(): ReaderFunctionError {
  return new ReaderFunctionError(RETURN_CODE.invalidInput, 'pWriteData 与 pFileAddr 的文件和数据项不对应');
}
