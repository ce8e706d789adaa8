import { fromHex, toHex } from '../src/bytes/hex.js';
import { SscardError } from '../src/errors.js';
import type { ApplicationBlock, DedicatedFile, ElementaryFile } from './file-system.js';

export const STATE_FORMAT = 'sscard-card-state/1';

/**
 * The state file: only what changes while the card is used, on top of its profile.
 * Written atomically by a StateStore before each answer that changed it.
 */
export interface CardStateData {
  format: typeof STATE_FORMAT;
  /** Name of the profile this state belongs to. */
  profile: string;
  cardBlocked: boolean;
  /** EFs that were written, by file id ("3F00/DF01/EF05"). */
  files: Record<string, { content: string } | { records: string[] }>;
  /** Every PIN, by "<df id>#<pin id>". */
  pins: Record<string, { triesLeft: number; value: string }>;
  /** Keys with an error counter, by "<df id>#<key id>:<usage>". */
  keys: Record<string, { errorsLeft: number }>;
  /** Blocked applications, by DF id. */
  blockedApplications: Record<string, ApplicationBlock>;
  /** Free-form persistent data of application handlers (counters, balances), by application name. */
  applications: Record<string, unknown>;
}

/** The state file is unreadable, malformed, or belongs to another profile. */
export class CardStateError extends SscardError {
  constructor(source: string, problem: string) {
    super('ESTATE', `card state ${source}: ${problem}`);
  }
}

/** Snapshot of the live card as state data. */
export function captureState(
  profileName: string,
  mf: DedicatedFile,
  cardBlocked: boolean,
  applications: Record<string, unknown>,
): CardStateData {
  const data: CardStateData = {
    format: STATE_FORMAT,
    profile: profileName,
    cardBlocked,
    files: {},
    pins: {},
    keys: {},
    blockedApplications: {},
    applications: structuredClone(applications),
  };
  for (const df of mf.walk()) {
    if (df.blocked !== undefined) data.blockedApplications[df.id] = df.blocked;
    for (const pin of df.pins) data.pins[pin.stateKey] = { triesLeft: pin.triesLeft, value: pin.exportValue() };
    for (const key of df.keys) if (key.errorsLeft !== undefined) data.keys[key.stateKey] = { errorsLeft: key.errorsLeft };
    for (const ef of df.elementaryFiles()) {
      if (!ef.written) continue;
      data.files[ef.id] = ef.isRecordFile ? { records: ef.records.map(toHex) } : { content: toHex(ef.content) };
    }
  }
  return data;
}

/**
 * Applies state data onto a freshly built tree. Every entry must name something the profile has;
 * otherwise the state is for another card (or was edited by hand) and is rejected.
 */
export function applyState(data: unknown, profileName: string, mf: DedicatedFile, source: string): CardStateData {
  const fail = (problem: string): never => {
    throw new CardStateError(source, problem);
  };
  if (typeof data !== 'object' || data === null) fail('not a JSON object');
  const d = data as Partial<CardStateData>;
  if (d.format !== STATE_FORMAT) fail(`format must be "${STATE_FORMAT}"`);
  if (d.profile !== profileName) fail(`belongs to profile "${String(d.profile)}", not "${profileName}"`);
  if (typeof d.cardBlocked !== 'boolean') fail('cardBlocked must be true or false');
  for (const field of ['files', 'pins', 'keys', 'blockedApplications', 'applications'] as const) {
    if (typeof d[field] !== 'object' || d[field] === null || Array.isArray(d[field])) fail(`${field} must be an object`);
  }
  const dfs = new Map<string, DedicatedFile>();
  const efs = new Map<string, ElementaryFile>();
  for (const df of mf.walk()) {
    dfs.set(df.id, df);
    for (const ef of df.elementaryFiles()) efs.set(ef.id, ef);
  }
  const pins = new Map([...dfs.values()].flatMap((df) => df.pins.map((p) => [p.stateKey, p] as const)));
  const keys = new Map([...dfs.values()].flatMap((df) => df.keys.map((k) => [k.stateKey, k] as const)));

  for (const [id, entry] of Object.entries(d.files!)) {
    const ef = efs.get(id) ?? fail(`files.${id}: no such EF in the profile`);
    const e = entry as { content?: unknown; records?: unknown };
    if (ef.isRecordFile) {
      if (!Array.isArray(e.records) || e.records.some((r) => typeof r !== 'string'))
        fail(`files.${id}.records must be an array of hex strings`);
      const records = (e.records as string[]).map((r, i) => hexOrFail(r, `files.${id}.records[${i}]`, fail));
      if (records.length > ef.maxRecords) fail(`files.${id}: ${records.length} records, capacity ${ef.maxRecords}`);
      ef.records = records;
    } else {
      if (typeof e.content !== 'string') fail(`files.${id}.content must be a hex string`);
      const content = hexOrFail(e.content as string, `files.${id}.content`, fail);
      if (content.length !== ef.size) fail(`files.${id}.content is ${content.length} bytes, the file has ${ef.size}`);
      ef.content = content;
    }
    ef.written = true;
  }
  for (const [id, entry] of Object.entries(d.pins!)) {
    const pin = pins.get(id) ?? fail(`pins.${id}: no such PIN in the profile`);
    const e = entry as { triesLeft?: unknown; value?: unknown };
    if (typeof e.triesLeft !== 'number' || !Number.isInteger(e.triesLeft) || e.triesLeft < 0 || e.triesLeft > pin.retryLimit) {
      fail(`pins.${id}.triesLeft must be an integer 0..${pin.retryLimit}`);
    }
    if (typeof e.value !== 'string' || !/^[0-9]{1,16}$/.test(e.value)) fail(`pins.${id}.value must be a string of digits`);
    pin.triesLeft = e.triesLeft as number;
    pin.setValue(e.value as string);
  }
  for (const [id, entry] of Object.entries(d.keys!)) {
    const key = keys.get(id) ?? fail(`keys.${id}: no such key in the profile`);
    const left = (entry as { errorsLeft?: unknown }).errorsLeft;
    if (key.errorLimit === undefined) fail(`keys.${id}: the key has no error counter`);
    if (typeof left !== 'number' || !Number.isInteger(left) || left < 0 || left > key.errorLimit!)
      fail(`keys.${id}.errorsLeft must be 0..${key.errorLimit}`);
    key.errorsLeft = left as number;
  }
  for (const [id, block] of Object.entries(d.blockedApplications!)) {
    const df = dfs.get(id) ?? fail(`blockedApplications.${id}: no such DF in the profile`);
    if (block !== 'permanent') fail(`blockedApplications.${id} must be "permanent"`);
    df.blocked = block;
  }
  return d as CardStateData;
}

function hexOrFail(text: string, where: string, fail: (problem: string) => never): Uint8Array {
  if (!/^([0-9A-Fa-f]{2})*$/.test(text)) fail(`${where} is not hex`);
  return fromHex(text);
}
