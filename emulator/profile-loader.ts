import { readFileSync } from 'node:fs';
import type {
  AccessCondition,
  AccessRuleProfile,
  AccessRules,
  CardProfile,
  CardSettings,
  ContactlessProfile,
  DiversifiedKeyProfile,
  EfStructure,
  KeyProfile,
  PinProfile,
} from './card-profile.js';
import { PROFILE_FORMAT } from './card-profile.js';
import { ProfileError } from './profile-error.js';

/** Reads and validates a profile file; every problem is a ProfileError naming the file and field. */
export function loadProfile(file: string): CardProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProfileError(file, '', `cannot read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(file, '', `not valid JSON: ${(error as Error).message}`);
  }
  return parseProfile(json, file);
}

/**
 * Validates a parsed profile document. Unknown fields are errors too, so a typo never silently
 * falls back to a default. Returns the same data typed as CardProfile.
 */
export function parseProfile(json: unknown, source = 'profile'): CardProfile {
  return new ProfileValidator(source).profile(json);
}

type Json = Record<string, unknown>;

const STRUCTURES: readonly EfStructure[] = ['transparent', 'linear-fixed', 'linear-variable', 'cyclic'];
const MAX_RECORD_SIZE = 255;
const MAX_RECORDS = 254;
/**
 * Deepest DF nesting a profile may have, MF counted as 1. Cards use three or four levels (MF, DDF,
 * ADF); the validator and the card's file system recurse once per level, so a hostile profile
 * with thousands would exhaust the stack.
 */
export const MAX_DF_DEPTH = 16;

interface Scope {
  pins: Set<string>;
  /** "id:usage" */
  keys: Set<string>;
}

class ProfileValidator {
  private readonly dfNames = new Map<string, string>();
  constructor(private readonly source: string) {}

  private fail(path: string, problem: string): never {
    throw new ProfileError(this.source, path, problem);
  }

  private object(value: unknown, path: string, allowed: readonly string[]): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
    }
    return value as Json;
  }

  private string(obj: Json, key: string, path: string, required: true): string;
  private string(obj: Json, key: string, path: string, required?: false): string | undefined;
  private string(obj: Json, key: string, path: string, required = false): string | undefined {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.fail(join(path, key), 'is required');
      return undefined;
    }
    if (typeof v !== 'string') this.fail(join(path, key), 'must be a string');
    return v;
  }

  private hex(obj: Json, key: string, path: string, opts: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
    const v = this.string(obj, key, path);
    if (v === undefined) {
      if (opts.required) this.fail(join(path, key), 'is required');
      return undefined;
    }
    this.checkHex(v, join(path, key), opts.min, opts.max);
    return v;
  }

  private checkHex(v: string, path: string, min = 0, max = Number.POSITIVE_INFINITY): void {
    if (!/^([0-9A-Fa-f]{2})*$/.test(v)) this.fail(path, 'must be hex (an even number of 0-9 A-F digits, no spaces)');
    const n = v.length / 2;
    if (n < min || n > max) this.fail(path, min === max ? `must be ${min} bytes, got ${n}` : `must be ${min}..${max} bytes, got ${n}`);
  }

  private integer(obj: Json, key: string, path: string, min: number, max: number): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(join(path, key), `must be an integer ${min}..${max}`);
    return v;
  }

  private boolean(obj: Json, key: string, path: string): void {
    const v = obj[key];
    if (v !== undefined && typeof v !== 'boolean') this.fail(join(path, key), 'must be true or false');
  }

  private array(obj: Json, key: string, path: string): unknown[] | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(join(path, key), 'must be an array');
    return v;
  }

  profile(json: unknown): CardProfile {
    const root = this.object(json, '', ['$schema', 'format', 'name', 'description', 'atr', 'protocol', 'contactless', 'settings', 'mf']);
    if (root.format !== PROFILE_FORMAT) this.fail('format', `must be "${PROFILE_FORMAT}"`);
    const name = this.string(root, 'name', '', true);
    if (name.trim() === '') this.fail('name', 'must not be empty');
    this.string(root, 'description', '');
    const atr = this.hex(root, 'atr', '', { required: true, min: 2, max: 33 })!;
    if (!atr.toUpperCase().startsWith('3B') && !atr.toUpperCase().startsWith('3F')) this.fail('atr', 'must start with TS = 3B or 3F');
    if (root.protocol !== 'T=0' && root.protocol !== 'T=1') this.fail('protocol', 'must be "T=0" or "T=1"');
    if (root.contactless !== undefined) this.contactless(root.contactless);
    const settings = root.settings === undefined ? {} : this.settings(root.settings);
    if (root.mf === undefined) this.fail('mf', 'is required');
    const mf = this.object(root.mf, 'mf', DF_FIELDS);
    if (mf.fid !== '3F00') this.fail('mf.fid', 'must be "3F00"');
    this.dedicatedFile(mf, 'mf', { pins: new Set(), keys: new Set() }, settings, 1);
    return root as unknown as CardProfile;
  }

  private contactless(value: unknown): ContactlessProfile {
    const c = this.object(value, 'contactless', ['uid', 'ats', 'atr']);
    const uid = this.hex(c, 'uid', 'contactless', { required: true })!;
    if (![4, 7, 10].includes(uid.length / 2)) this.fail('contactless.uid', `must be 4, 7 or 10 bytes, got ${uid.length / 2}`);
    const ats = this.hex(c, 'ats', 'contactless', { min: 1, max: 254 });
    if (ats !== undefined && Number.parseInt(ats.slice(0, 2), 16) !== ats.length / 2) {
      this.fail('contactless.ats', `TL (first byte) must equal the ATS length ${ats.length / 2}`);
    }
    const atr = this.hex(c, 'atr', 'contactless', { min: 2, max: 33 });
    if (atr !== undefined && !/^3[bBfF]/.test(atr)) this.fail('contactless.atr', 'must start with TS = 3B or 3F');
    return c as unknown as ContactlessProfile;
  }

  private settings(value: unknown): CardSettings {
    const s = this.object(value, 'settings', ['pinRetryLimit', 'extendedLength']);
    this.integer(s, 'pinRetryLimit', 'settings', 1, 15);
    this.boolean(s, 'extendedLength', 'settings');
    return s as CardSettings;
  }

  private dedicatedFile(df: Json, path: string, parentScope: Scope, settings: CardSettings, depth: number): void {
    if (depth > MAX_DF_DEPTH) this.fail(path, `DFs nested deeper than ${MAX_DF_DEPTH} levels (the MF is level 1)`);
    if (df.kind !== 'df') this.fail(join(path, 'kind'), 'must be "df"');
    const fid = this.hex(df, 'fid', path, { min: 2, max: 2 });
    if (fid !== undefined && path !== 'mf') this.checkFid(fid, join(path, 'fid'));
    const dfName = this.hex(df, 'dfName', path, { min: 1, max: 16 });
    if (path !== 'mf' && fid === undefined && dfName === undefined) this.fail(path, 'a DF needs a fid, a dfName or both');
    if (dfName !== undefined) {
      const key = dfName.toUpperCase();
      const other = this.dfNames.get(key);
      if (other !== undefined) this.fail(join(path, 'dfName'), `duplicates the dfName of ${other}`);
      this.dfNames.set(key, path);
    }
    this.string(df, 'label', path);
    this.hex(df, 'fci', path, { min: 2, max: 255 });
    this.string(df, 'application', path);
    if (df.dataObjects !== undefined) {
      const objects = this.object(df.dataObjects, join(path, 'dataObjects'), Object.keys(df.dataObjects as object));
      for (const [tag, value] of Object.entries(objects)) {
        const p = join(join(path, 'dataObjects'), tag);
        this.checkHex(tag, p, 1, 2);
        if (typeof value !== 'string') this.fail(p, 'must be a hex string');
        this.checkHex(value, p, 0, 253);
      }
    }
    const scope: Scope = { pins: new Set(parentScope.pins), keys: new Set(parentScope.keys) };
    const ownPins = new Set<string>();
    this.array(df, 'pins', path)?.forEach((pin, i) => {
      const id = this.pin(pin, `${path}.pins[${i}]`).id.toUpperCase();
      if (ownPins.has(id)) this.fail(`${path}.pins[${i}].id`, `duplicate PIN id ${id} in this DF`);
      ownPins.add(id);
      scope.pins.add(id);
    });
    const ownKeys = new Set<string>();
    this.array(df, 'keys', path)?.forEach((key, i) => {
      const k = this.key(key, `${path}.keys[${i}]`);
      const id = `${k.id.toUpperCase()}:${k.usage}`;
      if (ownKeys.has(id)) this.fail(`${path}.keys[${i}]`, `duplicate key id ${k.id} with usage ${k.usage} in this DF`);
      ownKeys.add(id);
      scope.keys.add(id);
    });
    const fids = new Map<string, string>();
    const sfis = new Map<number, string>();
    this.array(df, 'children', path)?.forEach((child, i) => {
      const p = `${path}.children[${i}]`;
      const kind = (child as Json | null)?.kind;
      let childFid: string | undefined;
      if (kind === 'df') {
        const c = this.object(child, p, DF_FIELDS);
        this.dedicatedFile(c, p, scope, settings, depth + 1);
        childFid = c.fid as string | undefined;
      } else if (kind === 'ef') {
        const c = this.object(child, p, EF_FIELDS);
        this.elementaryFile(c, p, scope);
        childFid = c.fid as string | undefined;
        const sfi = c.sfi as number | undefined;
        if (sfi !== undefined) {
          const other = sfis.get(sfi);
          if (other !== undefined) this.fail(join(p, 'sfi'), `SFI ${sfi} is already used by ${other}`);
          sfis.set(sfi, p);
        }
      } else {
        this.fail(join(p, 'kind'), 'must be "df" or "ef"');
      }
      if (childFid !== undefined) {
        const key = childFid.toUpperCase();
        const other = fids.get(key);
        if (other !== undefined) this.fail(join(p, 'fid'), `FID ${key} is already used by ${other}`);
        if (key === (fid ?? '').toUpperCase()) this.fail(join(p, 'fid'), `FID ${key} equals its parent's FID`);
        fids.set(key, p);
      }
    });
  }

  private checkFid(fid: string, path: string): void {
    const f = fid.toUpperCase();
    if (f === '3F00' || f === 'FFFF' || f === '3FFF') this.fail(path, `FID ${f} is reserved`);
  }

  private elementaryFile(ef: Json, path: string, scope: Scope): void {
    const type = ef.type as EfStructure;
    if (!STRUCTURES.includes(type)) this.fail(join(path, 'type'), `must be one of ${STRUCTURES.join(', ')}`);
    const fid = this.hex(ef, 'fid', path, { min: 2, max: 2 });
    if (fid !== undefined) this.checkFid(fid, join(path, 'fid'));
    const sfi = this.integer(ef, 'sfi', path, 1, 30);
    if (fid === undefined && sfi === undefined) this.fail(path, 'an EF needs a fid, an sfi or both');
    this.string(ef, 'label', path);
    if (type === 'transparent') {
      for (const f of ['recordSize', 'maxRecords', 'records'])
        if (ef[f] !== undefined) this.fail(join(path, f), 'is for record files only');
      const content = this.hex(ef, 'content', path);
      const size = this.integer(ef, 'size', path, 0, 65535);
      if (size === undefined) this.fail(join(path, 'size'), 'is required for a transparent EF');
      if (content !== undefined && content.length / 2 > size)
        this.fail(join(path, 'content'), `is ${content.length / 2} bytes, larger than size ${size}`);
      this.hex(ef, 'fill', path, { min: 1, max: 1 });
    } else {
      for (const f of ['size', 'content', 'fill']) if (ef[f] !== undefined) this.fail(join(path, f), 'is for transparent files only');
      const variable = type === 'linear-variable';
      const recordSize = this.integer(ef, 'recordSize', path, 1, MAX_RECORD_SIZE);
      if (recordSize === undefined && !variable) this.fail(join(path, 'recordSize'), `is required for a ${type} EF`);
      const maxRecords = this.integer(ef, 'maxRecords', path, 1, MAX_RECORDS);
      if (maxRecords === undefined && type === 'cyclic') this.fail(join(path, 'maxRecords'), 'is required for a cyclic EF');
      const records = this.array(ef, 'records', path) ?? [];
      const capacity = maxRecords ?? (type === 'linear-fixed' ? records.length : MAX_RECORDS);
      if (records.length > capacity) this.fail(join(path, 'records'), `has ${records.length} records, maxRecords is ${capacity}`);
      records.forEach((r, i) => {
        const p = `${path}.records[${i}]`;
        if (typeof r !== 'string') this.fail(p, 'must be a hex string');
        if (variable) this.checkHex(r, p, 1, recordSize ?? MAX_RECORD_SIZE);
        else this.checkHex(r, p, recordSize, recordSize);
      });
    }
    if (ef.access !== undefined) this.access(ef.access, join(path, 'access'), scope);
  }

  private access(value: unknown, path: string, scope: Scope): AccessRules {
    const a = this.object(value, path, ['read', 'update']);
    for (const op of ['read', 'update'] as const) if (a[op] !== undefined) this.rule(a[op], join(path, op), scope);
    return a as AccessRules;
  }

  private rule(value: unknown, path: string, scope: Scope): AccessRuleProfile {
    if (value === 'free' || value === 'never') return value;
    if (typeof value === 'string') this.fail(path, 'must be "free", "never" or an object {pin, key, mac} / {anyOf: [...]}');
    const obj = value as Json | null;
    if (obj !== null && typeof obj === 'object' && 'anyOf' in obj) {
      const r = this.object(obj, path, ['anyOf']);
      const alternatives = this.array(r, 'anyOf', path)!;
      if (alternatives.length === 0) this.fail(join(path, 'anyOf'), 'must list at least one condition');
      alternatives.forEach((alt, i) => {
        this.condition(alt, `${path}.anyOf[${i}]`, scope);
      });
      return r as { anyOf: AccessCondition[] };
    }
    return this.condition(value, path, scope);
  }

  private condition(value: unknown, path: string, scope: Scope): AccessCondition {
    const c = this.object(value, path, ['pin', 'key', 'mac']);
    if (c.pin === undefined && c.key === undefined && c.mac === undefined) this.fail(path, 'names none of pin, key, mac');
    const pin = this.hex(c, 'pin', path, { min: 1, max: 1 });
    if (pin !== undefined && !scope.pins.has(pin.toUpperCase())) this.fail(join(path, 'pin'), `no PIN ${pin} in this DF or above`);
    const key = this.hex(c, 'key', path, { min: 1, max: 1 });
    if (key !== undefined && !scope.keys.has(`${key.toUpperCase()}:external-auth`)) {
      this.fail(join(path, 'key'), `no external-auth key ${key} in this DF or above`);
    }
    const mac = this.hex(c, 'mac', path, { min: 1, max: 1 });
    if (mac !== undefined && !scope.keys.has(`${mac.toUpperCase()}:secure-messaging`))
      this.fail(join(path, 'mac'), `no secure-messaging key ${mac} in this DF or above`);
    return c as AccessCondition;
  }

  private pin(value: unknown, path: string): PinProfile {
    const p = this.object(value, path, ['id', 'value', 'retryLimit', 'minLength', 'maxLength', 'testPin']);
    this.hex(p, 'id', path, { required: true, min: 1, max: 1 });
    const digits = this.string(p, 'value', path, true);
    const min = this.integer(p, 'minLength', path, 1, 16) ?? 4;
    const max = this.integer(p, 'maxLength', path, 1, 16) ?? 12;
    if (min > max) this.fail(join(path, 'minLength'), `is larger than maxLength ${max}`);
    if (!/^[0-9]+$/.test(digits)) this.fail(join(path, 'value'), 'must be decimal digits');
    if (digits.length < min || digits.length > max) this.fail(join(path, 'value'), `must have ${min}..${max} digits, has ${digits.length}`);
    this.integer(p, 'retryLimit', path, 1, 15);
    this.boolean(p, 'testPin', path);
    return p as unknown as PinProfile;
  }

  private key(value: unknown, path: string): KeyProfile {
    const k = this.object(value, path, [
      'id',
      'name',
      'usage',
      'algorithm',
      'version',
      'value',
      'diversified',
      'errorLimit',
      'testKey',
      'label',
    ]);
    const name = this.string(k, 'name', path);
    if (name !== undefined && !/^[A-Z0-9]{2,12}$/.test(name))
      this.fail(join(path, 'name'), 'must be a specification key name such as RKSSSE');
    this.hex(k, 'id', path, { required: true, min: 1, max: 1 });
    const usage = this.string(k, 'usage', path, true);
    if (!/^[a-z0-9-]+$/.test(usage)) this.fail(join(path, 'usage'), 'must be a lowercase name such as external-auth');
    if (k.algorithm !== 'des' && k.algorithm !== '3des' && k.algorithm !== 'sm4')
      this.fail(join(path, 'algorithm'), 'must be "des", "3des" or "sm4"');
    this.integer(k, 'version', path, 0, 255);
    this.integer(k, 'errorLimit', path, 1, 15);
    this.boolean(k, 'testKey', path);
    this.string(k, 'label', path);
    const hasValue = k.value !== undefined;
    const hasDiversified = k.diversified !== undefined;
    if (hasValue === hasDiversified) this.fail(path, 'needs exactly one of value, diversified');
    const length = k.algorithm === 'des' ? 8 : 16;
    if (hasValue) this.hex(k, 'value', path, { min: length, max: length });
    else this.diversified(k.diversified, join(path, 'diversified'), length);
    return k as unknown as KeyProfile;
  }

  private diversified(value: unknown, path: string, keyLength: number): DiversifiedKeyProfile {
    const d = this.object(value, path, ['master', 'factors']);
    this.hex(d, 'master', path, { required: true, min: keyLength, max: keyLength });
    const factors = this.array(d, 'factors', path);
    if (factors === undefined || factors.length === 0) this.fail(join(path, 'factors'), 'must list at least one factor');
    factors.forEach((f, i) => {
      const p = `${path}.factors[${i}]`;
      if (typeof f !== 'string') this.fail(p, 'must be a string');
      if (f === 'card') return;
      if (f.startsWith('ascii:')) {
        if (f.length - 6 !== 8 || !/^[\x20-\x7e]+$/.test(f.slice(6))) this.fail(p, 'ascii factor must be 8 printable ASCII characters');
        return;
      }
      this.checkHex(f, p, 8, 8);
    });
    return d as unknown as DiversifiedKeyProfile;
  }
}

const DF_FIELDS = ['kind', 'fid', 'dfName', 'label', 'fci', 'application', 'dataObjects', 'pins', 'keys', 'children'] as const;
const EF_FIELDS = [
  'kind',
  'type',
  'fid',
  'sfi',
  'label',
  'size',
  'content',
  'fill',
  'recordSize',
  'maxRecords',
  'records',
  'access',
] as const;

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
