import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type CardStateData, CardStateError } from './card-state.js';
import { crashPoint } from './crash-point.js';

/** Where a card keeps its state between runs. */
export interface StateStore {
  /** For messages: the file path, or "memory". */
  readonly description: string;
  /** The parsed JSON, or undefined when there is no state yet (first use). */
  load(): unknown;
  /** Must be durable when it returns: the card answers only afterwards. */
  save(data: CardStateData): void;
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

/**
 * A JSON state file, replaced atomically: write a temp file in the same directory, fsync it,
 * rename it over the old one, fsync the directory. A crash leaves either the old or the new file.
 */
export class FileStateStore implements StateStore {
  readonly description: string;
  constructor(readonly file: string) {
    this.description = file;
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
    const dir = dirname(this.file);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `.${basename(this.file)}.${process.pid}.tmp`);
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint('state:temp-written');
    try {
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    syncDirectory(dir);
  }
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
