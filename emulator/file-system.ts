import { fromHex, toHex } from '../src/bytes/hex.js';
import { type AccessRule, type FileOperation, FREE, NEVER, parseAccessRule } from './access-rule.js';
import { type CardKey, resolveKey } from './card-key.js';
import type { DedicatedFileProfile, EfStructure, ElementaryFileProfile, KeyProfile, PinProfile } from './card-profile.js';
import { PinObject } from './pin-object.js';

/** P5 §6.1: the specification knows only the permanent application block. */
export type ApplicationBlock = 'permanent';

/** MF, DDF or ADF as the running card sees it. */
export class DedicatedFile {
  readonly kind = 'df' as const;
  /** Stable identifier used in the state file: FIDs (or the DF name) from the MF down. */
  readonly id: string;
  readonly fid: number | undefined;
  readonly dfName: Uint8Array | undefined;
  readonly label: string | undefined;
  readonly fci: Uint8Array | undefined;
  readonly application: string | undefined;
  readonly parent: DedicatedFile | undefined;
  readonly children: Array<DedicatedFile | ElementaryFile> = [];
  readonly pins: PinObject[] = [];
  readonly keys: CardKey[] = [];
  readonly dataObjects = new Map<number, Uint8Array>();
  /** Set by APPLICATION BLOCK; persisted. */
  blocked: ApplicationBlock | undefined;

  constructor(profile: DedicatedFileProfile, parent: DedicatedFile | undefined) {
    this.parent = parent;
    this.fid = profile.fid === undefined ? undefined : Number.parseInt(profile.fid, 16);
    this.dfName = profile.dfName === undefined ? undefined : fromHex(profile.dfName);
    const own = profile.fid?.toUpperCase() ?? `NAME:${toHex(this.dfName!)}`;
    this.id = parent === undefined ? own : `${parent.id}/${own}`;
    this.label = profile.label;
    this.fci = profile.fci === undefined ? undefined : fromHex(profile.fci);
    this.application = profile.application;
  }

  /** This DF, then its parent, up to the MF: where PINs, keys and data objects are looked up. */
  *lineage(): Generator<DedicatedFile> {
    for (let df: DedicatedFile | undefined = this; df !== undefined; df = df.parent) yield df;
  }

  elementaryFiles(): ElementaryFile[] {
    return this.children.filter((c): c is ElementaryFile => c.kind === 'ef');
  }

  dedicatedFiles(): DedicatedFile[] {
    return this.children.filter((c): c is DedicatedFile => c.kind === 'df');
  }

  /** Depth-first, this DF first: the order in which DF names are matched by SELECT. */
  *walk(): Generator<DedicatedFile> {
    yield this;
    for (const child of this.dedicatedFiles()) yield* child.walk();
  }

  isBlocked(): boolean {
    return this.blocked !== undefined;
  }
}

/** An EF with its current content; `written` marks it for the state file. */
export class ElementaryFile {
  readonly kind = 'ef' as const;
  readonly id: string;
  readonly fid: number | undefined;
  readonly sfi: number | undefined;
  readonly label: string | undefined;
  readonly structure: EfStructure;
  readonly parent: DedicatedFile;
  readonly access: Record<FileOperation, AccessRule>;
  /** Transparent files. */
  readonly size: number;
  content: Uint8Array;
  /** Record files: exact (fixed, cyclic) or maximum (variable) record length. */
  readonly recordSize: number;
  readonly maxRecords: number;
  /** Record 1 first; for cyclic files record 1 is the most recent. */
  records: Uint8Array[];
  written = false;

  constructor(profile: ElementaryFileProfile, parent: DedicatedFile) {
    this.parent = parent;
    this.structure = profile.type;
    this.fid = profile.fid === undefined ? undefined : Number.parseInt(profile.fid, 16);
    this.sfi = profile.sfi;
    this.id = `${parent.id}/${profile.fid?.toUpperCase() ?? `SFI${String(profile.sfi).padStart(2, '0')}`}`;
    this.label = profile.label;
    this.access = {
      read: parseAccessRule(profile.access?.read, FREE),
      update: parseAccessRule(profile.access?.update, NEVER),
    };
    if (profile.type === 'transparent') {
      this.size = profile.size ?? 0;
      this.content = new Uint8Array(this.size).fill(profile.fill === undefined ? 0 : Number.parseInt(profile.fill, 16));
      if (profile.content !== undefined) this.content.set(fromHex(profile.content));
      this.recordSize = 0;
      this.maxRecords = 0;
      this.records = [];
    } else {
      this.size = 0;
      this.content = new Uint8Array(0);
      const records = (profile.records ?? []).map((r) => fromHex(r));
      this.records = records;
      this.recordSize = profile.recordSize ?? 255;
      this.maxRecords = profile.maxRecords ?? (profile.type === 'linear-fixed' ? records.length : 254);
    }
  }

  get isRecordFile(): boolean {
    return this.structure !== 'transparent';
  }
}

export type CardFile = DedicatedFile | ElementaryFile;

/** Builds the live file tree (with PIN and key objects) from a validated profile. */
export function buildFileSystem(mf: DedicatedFileProfile, context: { atr: Uint8Array; pinRetryLimit: number }): DedicatedFile {
  return buildDf(mf, undefined, context);
}

function buildDf(
  profile: DedicatedFileProfile,
  parent: DedicatedFile | undefined,
  context: { atr: Uint8Array; pinRetryLimit: number },
): DedicatedFile {
  const df = new DedicatedFile(profile, parent);
  for (const pin of profile.pins ?? []) df.pins.push(pinFromProfile(pin, df, context.pinRetryLimit));
  for (const key of profile.keys ?? []) df.keys.push(keyFromProfile(key, df, context.atr));
  for (const [tag, value] of Object.entries(profile.dataObjects ?? {})) df.dataObjects.set(Number.parseInt(tag, 16), fromHex(value));
  for (const child of profile.children ?? []) {
    df.children.push(child.kind === 'df' ? buildDf(child, df, context) : new ElementaryFile(child, df));
  }
  return df;
}

function pinFromProfile(pin: PinProfile, owner: DedicatedFile, defaultLimit: number): PinObject {
  return new PinObject({
    id: Number.parseInt(pin.id, 16),
    ownerId: owner.id,
    value: pin.value,
    retryLimit: pin.retryLimit ?? defaultLimit,
    minLength: pin.minLength ?? 4,
    maxLength: pin.maxLength ?? 12,
  });
}

function keyFromProfile(key: KeyProfile, owner: DedicatedFile, atr: Uint8Array): CardKey {
  return resolveKey(key, owner.id, atr);
}
