import { ApduError } from '../../apdu/apdu-error.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { concatBytes } from '../../bytes/bytes.js';
import { toHex } from '../../bytes/hex.js';
import type { CardChannel } from '../../channel/card-channel.js';
import type { KeyProvider } from '../../channel/key-provider.js';
import type { SecureMessaging } from '../../channel/secure-messaging.js';
import { InputError } from '../../errors.js';
import { readBinary, selectByFid } from '../iso-commands.js';
import { type PinSource, verifyPinFrom } from '../pin-pad.js';
import { readAllRecords } from '../read-records.js';
import { FILE_KEYS, type FileRule, fileRule } from './file-access.js';
import { type FileAddress, fileName, formatItemAddress, type ItemAddress, parseFileAddress } from './file-address.js';

/** What readItems/writeItems need from the social security session. */
export interface FileItemsCard {
  channel: CardChannel;
  specVersion(): Promise<string>;
  /** Selects SSSE and then the application (`SSSE` or `DFxx`): a fresh security status. */
  enter(application: string): Promise<void>;
  security(keys: KeyProvider): Promise<SecureMessaging>;
}

/** How to open "PIN or RK" files: the PIN, the keys (an HSM, a PSAM or software), or both. */
export interface ItemsAccess {
  /** The caller's PIN, or ON_PIN_PAD for the reader's pad. */
  pin?: PinSource;
  keys?: KeyProvider;
  /** For "PIN or RK" files when both are given (card-spec §10.3 iAuthType): default the PIN. */
  prefer?: 'pin' | 'key';
}

export interface ItemValue {
  /** The item as addressed: `01`, `40:2`, `:3`. */
  address: string;
  tag: number | undefined;
  occurrence: number;
  /** The value without tag and length; a tagless (cyclic) record or a transparent file as it is. */
  value: Uint8Array;
}

export interface FileItems {
  /** `SSSEEF05`, `DF01EF15`. */
  file: string;
  items: ItemValue[];
}

const RECORD_LIMIT = 254;
const CHUNK = 0xe0;

/** readItems (card-spec §10.3): each file under its access rule, its items by identifier and occurrence. */
export async function readItems(card: FileItemsCard, address: string, access: ItemsAccess = {}): Promise<FileItems[]> {
  const out: FileItems[] = [];
  for (const file of parseFileAddress(address)) {
    const rule = await ruleOf(card, file);
    // Selection, authentication and the reads in one exclusive section (card-spec §2.5 status per DF).
    const items = await card.channel.exclusive(async () => {
      await card.enter(file.application);
      await satisfyRead(card, rule, file, access);
      await selectEf(card, file);
      return readFile(card.channel, rule, file);
    });
    out.push({ file: fileName(file), items });
  }
  return out;
}

/**
 * writeItems: after EXTERNAL AUTHENTICATE with the file's UK key, UPDATE RECORD of each addressed
 * item (`tag:n` with n > 1 reads the file first, under its read rule, to find the record), a new
 * record per value in a cyclic file, the content of a transparent file. `values` follow the
 * items of all files in order (one per cyclic record or transparent file when it names no items);
 * a promise of them is awaited after the first external authentication.
 */
export async function writeItems(
  card: FileItemsCard,
  address: string,
  values: Uint8Array[] | Promise<Uint8Array[]>,
  access: ItemsAccess,
): Promise<void> {
  const files = parseFileAddress(address);
  const wanted = files.reduce((n, f) => n + Math.max(1, f.items.length), 0);
  const counted = (all: Uint8Array[]) => {
    if (all.length !== wanted) throw new InputError('values', `the address takes ${wanted} value(s), got ${all.length}`);
    return all;
  };
  if (Array.isArray(values)) counted(values);
  if (access.keys === undefined) throw new InputError('keys', 'writing needs the UK keys: give a key provider');
  let next = 0;
  for (const file of files) {
    const rule = await ruleOf(card, file);
    if (rule.write === undefined) throw new InputError('address', `${fileName(file)} is written by the card's own commands only`);
    const keys = access.keys;
    const write = rule.write;
    await card.channel.exclusive(async () => {
      await card.enter(file.application);
      const security = await card.security(keys);
      await security.externalAuthenticate(write, FILE_KEYS[write]!);
      // Values still to come (an HSM terminal's next step) are awaited once the key is proven.
      const mine = counted(await values).slice(next, next + Math.max(1, file.items.length));
      next += mine.length;
      if (file.items.some((i) => i.occurrence > 1) && rule.structure === 'records') await satisfyRead(card, rule, file, access);
      await selectEf(card, file);
      await writeFile(card.channel, rule, file, mine);
    });
  }
}

/** The mirror of the address with the values in hex: `SSSEEF05|<01>|<07>|$`. */
export function formatFileItems(files: FileItems[]): string {
  return files.map((f) => `${f.file}|${f.items.map((i) => `${toHex(i.value)}|`).join('')}$`).join('');
}

async function ruleOf(card: FileItemsCard, file: FileAddress): Promise<FileRule> {
  const rule = fileRule(file.application, file.ef, await card.specVersion());
  if (rule === undefined) throw new InputError('address', `${fileName(file)} is not a file of the specification (card-spec §2.5)`);
  return rule;
}

async function satisfyRead(card: FileItemsCard, rule: FileRule, file: FileAddress, access: ItemsAccess): Promise<void> {
  const r = rule.read;
  if (r.kind === 'free') return;
  const usePin = async () => {
    if (access.pin === undefined) throw new InputError('pin', `${fileName(file)} needs the PIN`);
    await verifyPinFrom(card.channel, access.pin, `verifying the PIN for ${fileName(file)}`);
  };
  const useKey = async (key: string) => {
    if (access.keys === undefined) throw new InputError('keys', `${fileName(file)} needs ${key}: give a key provider`);
    await (await card.security(access.keys)).externalAuthenticate(key, FILE_KEYS[key]!);
  };
  if (r.kind === 'pin') return usePin();
  if (r.kind === 'key') return useKey(r.key);
  if (r.kind === 'pin-and-key') {
    // card-spec §10.3: "PIN & RK" files — external authentication, then the PIN.
    await useKey(r.key);
    return usePin();
  }
  if (access.pin === undefined && access.keys === undefined) throw new InputError('pin', `${fileName(file)} needs the PIN or ${r.key}`);
  const pinFirst = access.pin !== undefined && (access.prefer !== 'key' || access.keys === undefined);
  return pinFirst ? usePin() : useKey(r.key);
}

async function selectEf(card: FileItemsCard, file: FileAddress): Promise<void> {
  await card.channel.transmit(selectByFid(file.ef, 0x02), { context: `selecting ${fileName(file)}` });
}

function readRecords(channel: CardChannel, file: FileAddress): Promise<Uint8Array[]> {
  return readAllRecords(channel, 0, RECORD_LIMIT, fileName(file));
}

async function readFile(channel: CardChannel, rule: FileRule, file: FileAddress): Promise<ItemValue[]> {
  if (rule.structure === 'transparent') {
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < rule.size!; offset += CHUNK) {
      parts.push(
        await channel.transmit(readBinary(offset, Math.min(CHUNK, rule.size! - offset)), { context: `reading ${fileName(file)}` }),
      );
    }
    return [{ address: '', tag: undefined, occurrence: 1, value: concatBytes(...parts) }];
  }
  const records = await readRecords(channel, file);
  const tagged = rule.structure === 'records';
  const whole = (r: Uint8Array, i: number): ItemValue =>
    tagged
      ? {
          address: formatItemAddress({ tag: r[0]!, occurrence: occurrenceOf(records, i) }),
          tag: r[0],
          occurrence: occurrenceOf(records, i),
          value: tlvValue(r),
        }
      : { address: `:${i + 1}`, tag: undefined, occurrence: i + 1, value: r };
  if (file.items.length === 0) return records.map(whole);
  return file.items.map((item) => {
    const index = recordIndex(records, item);
    if (index < 0) throw new ApduError(0x6a83, new Uint8Array(0), `${fileName(file)} has no record ${formatItemAddress(item)}`);
    const r = records[index]!;
    const value = item.tag === undefined ? r : tlvValue(r);
    return { address: formatItemAddress(item), tag: item.tag, occurrence: item.occurrence, value };
  });
}

async function writeFile(channel: CardChannel, rule: FileRule, file: FileAddress, values: Uint8Array[]): Promise<void> {
  const context = `writing ${fileName(file)}`;
  if (rule.structure === 'transparent') {
    const content = values[0]!;
    if (content.length > rule.size!) throw new InputError('values', `${fileName(file)} holds ${rule.size} bytes`);
    for (let offset = 0; offset < content.length; offset += CHUNK) {
      const data = content.subarray(offset, offset + CHUNK);
      await channel.transmit(new CommandApdu({ cla: 0x00, ins: 0xd6, p1: offset >> 8, p2: offset & 0xff, data }), { context });
    }
    return;
  }
  if (rule.structure === 'cyclic') {
    // UPDATE RECORD mode 011 on a cyclic file adds the new record 1 (the oldest drops out).
    for (const value of values)
      await channel.transmit(new CommandApdu({ cla: 0x00, ins: 0xdc, p1: 0x00, p2: 0x03, data: value }), { context });
    return;
  }
  const records = file.items.some((i) => i.occurrence > 1) ? await readRecords(channel, file) : [];
  for (const [k, item] of file.items.entries()) {
    if (item.tag === undefined) throw new InputError('address', `${fileName(file)} is addressed by tag, not ":n"`);
    const value = values[k]!;
    if (value.length > 0x7f) throw new InputError('values', `item ${formatItemAddress(item)} takes at most 127 bytes`);
    const data = concatBytes(Uint8Array.of(item.tag, value.length), value);
    if (item.occurrence === 1) {
      await channel.transmit(new CommandApdu({ cla: 0x00, ins: 0xdc, p1: item.tag, p2: 0x00, data }), { context });
      continue;
    }
    const index = recordIndex(records, item);
    if (index < 0) throw new ApduError(0x6a83, new Uint8Array(0), `${fileName(file)} has no record ${formatItemAddress(item)}`);
    await channel.transmit(new CommandApdu({ cla: 0x00, ins: 0xdc, p1: index + 1, p2: 0x04, data }), { context });
  }
}

function recordIndex(records: Uint8Array[], item: ItemAddress): number {
  if (item.tag === undefined) return item.occurrence <= records.length ? item.occurrence - 1 : -1;
  let seen = 0;
  return records.findIndex((r) => r[0] === item.tag && ++seen === item.occurrence);
}

function occurrenceOf(records: Uint8Array[], index: number): number {
  return records.slice(0, index + 1).filter((r) => r[0] === records[index]![0]).length;
}

/** A record `tag len value` (one-byte tag and length, as every SSSE record). */
function tlvValue(record: Uint8Array): Uint8Array {
  return record.subarray(2, 2 + (record[1] ?? 0));
}
