import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SscardError } from '../src/errors.js';
import { type CardStateData, CardStateError } from './card-state.js';
import { crashPoint } from './crash-point.js';
import { StateFileLock } from './state-lock.js';

/** Where a card keeps its state between runs. */
export interface StateStore {
  /** For messages: the file path, or "memory". */
  readonly description: string;
  /** The parsed JSON, or undefined when there is no state yet (first use). */
  load(): unknown;
  /** Must be durable when it returns: the card answers only afterwards. */
  save(data: CardStateData): void;
  /** Gives the state up (a file store releases its lock); the store may not be saved to afterwards. */
  close?(): void;
}

/** State in memory only: for tests and throw-away cards. */
export class MemoryStateStore implements StateStore {
  readonly description = 'memory';
  saved: CardStateData | undefined;
  saveCount = 0;
  constructor(initial?: CardStateData) {
    this.saved = initial === undefined ? undefined : structuredClone(initial);
  }
  load(): unknown {
    return this.saved === undefined ? undefined : structuredClone(this.saved);
  }
  save(data: CardStateData): void {
    this.saved = structuredClone(data);
    this.saveCount++;
  }
}

export interface FileStateStoreOptions {
  /** How long to wait for another owner of the file to finish, in ms (default 10 s). */
  waitMs?: number;
}

/**
 * A JSON state file, owned by one store at a time and replaced atomically.
 * Owner: `<file>.lock` (see StateFileLock), taken when the store is created, released by close()
 * or when the process exits; a second owner waits up to `waitMs`, then gets CardStateInUseError.
 * Writes: a temp file in the same directory, fsync it, rename it over the old one, fsync the
 * directory. A crash leaves either the old or the new file, and maybe a temp file, which the next
 * owner removes.
 */
export class FileStateStore implements StateStore {
  readonly description: string;
  private readonly lock: StateFileLock;
  private closed = false;

  constructor(
    readonly file: string,
    options: FileStateStoreOptions = {},
  ) {
    this.description = file;
    if (file.trim() === '') throw new CardStateError(JSON.stringify(file), 'the state file path is empty');
    const dir = dirname(file);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new CardStateError(file, `cannot create its directory: ${reason(error)}`);
    }
    try {
      this.lock = StateFileLock.acquire(file, options.waitMs);
    } catch (error) {
      if (error instanceof SscardError) throw error;
      throw new CardStateError(file, `cannot lock it: ${reason(error)}`);
    }
    removeStaleTempFiles(file);
  }

  close(): void {
    this.closed = true;
    this.lock.release();
  }

  load(): unknown {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CardStateError(this.file, `cannot read: ${(error as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new CardStateError(
        this.file,
        `corrupt (not valid JSON: ${(error as Error).message}); delete it to start from the profile again`,
      );
    }
  }

  save(data: CardStateData): void {
    if (this.closed) throw new CardStateError(this.file, 'the card was closed; open it again to change it');
    const temp = join(dirname(this.file), `${tempPrefix(this.file)}${process.pid}.tmp`);
    try {
      writeDurably(temp, `${JSON.stringify(data, null, 2)}\n`);
      crashPoint('state:temp-written');
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new CardStateError(this.file, `cannot save: ${reason(error)}`);
    }
    syncDirectory(dirname(this.file));
  }
}

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tempPrefix(file: string): string {
  return `.${basename(file)}.`;
}

/** Temp files of owners killed mid-write: only the lock holder writes them, so any left are stale. */
function removeStaleTempFiles(file: string): void {
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp') && /^\d+$/.test(name.slice(prefix.length, -4))) {
      rmSync(join(dirname(file), name), { force: true });
    }
  }
}

/** "permission denied" rather than "EACCES: permission denied, open '/x'": the path is already named. */
function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    const m = /^[A-Z]+: ([^,]+)/.exec(e.message);
    return m ? `${m[1]} (${e.code})` : e.message;
  }
  return String(error);
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
