import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { SscardError } from '../src/errors.js';

/** How long a second owner waits for a state file by default before giving up. */
export const DEFAULT_STATE_WAIT_MS = 10_000;

/** The state file is held by another process (or another card in this one) past the wait. */
export class CardStateInUseError extends SscardError {
  constructor(
    readonly file: string,
    readonly pid: number | undefined,
    detail: string,
  ) {
    super('ESTATEINUSE', `card state ${file} in use by ${pid === undefined ? 'another process' : `pid ${pid}`}${detail}`);
  }
}

interface LockOwner {
  pid: number;
  thread: number;
  host: string;
}

// A lock file whose owner has not written its pid yet is younger than this unless that owner died.
const UNWRITTEN_LOCK_GRACE_MS = 5_000;
const POLL_MS = 25;

/** Locks this thread holds, released on exit (a crash leaves the file, but its pid is then dead). */
const held = new Set<StateFileLock>();
let exitHookInstalled = false;

/**
 * One owner per state file: `<state>.lock`, created with O_EXCL and holding `{pid, thread, host}`.
 * Node has no flock(), so a crashed owner is recognised by its pid no longer running (same host).
 * Taking over a stale lock happens under a second O_EXCL file, `<state>.lock.break`, held for the
 * few microseconds of "read the lock again, still the dead pid, unlink it": so two waiters never
 * both remove a lock, and none removes a lock a live owner just created.
 */
export class StateFileLock {
  readonly lockFile: string;
  private released = false;

  private constructor(
    readonly stateFile: string,
    private readonly owner: LockOwner,
  ) {
    this.lockFile = `${stateFile}.lock`;
  }

  /** Takes the lock, waiting up to `waitMs` for another owner to finish (synchronously). */
  static acquire(stateFile: string, waitMs = DEFAULT_STATE_WAIT_MS): StateFileLock {
    const file = resolve(stateFile);
    for (const lock of held) {
      if (lock.stateFile === file) {
        throw new CardStateInUseError(stateFile, process.pid, ' (a card already open in this process: close it first)');
      }
    }
    const lock = new StateFileLock(file, { pid: process.pid, thread: threadId, host: hostname() });
    const deadline = Date.now() + Math.max(0, waitMs);
    for (;;) {
      if (lock.tryCreate()) break;
      const current = readOwner(lock.lockFile);
      if (current === 'gone') continue;
      if (isStale(lock.lockFile, current)) {
        breakStale(lock.lockFile, current);
        continue;
      }
      if (Date.now() >= deadline) {
        const pid = current === 'unwritten' ? undefined : current.pid;
        const where = current !== 'unwritten' && current.host !== lock.owner.host ? ` on host ${current.host}` : '';
        throw new CardStateInUseError(stateFile, pid, `${where} (waited ${waitMs} ms; lock file ${lock.lockFile})`);
      }
      sleep(POLL_MS);
    }
    held.add(lock);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const l of [...held]) l.release();
      });
    }
    return lock;
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    const current = readOwner(this.lockFile);
    if (current !== 'gone' && current !== 'unwritten' && sameOwner(current, this.owner)) {
      try {
        unlinkSync(this.lockFile);
      } catch {
        // Already gone: nothing to release.
      }
    }
  }

  private tryCreate(): boolean {
    let fd: number;
    try {
      fd = openSync(this.lockFile, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      writeSync(fd, `${JSON.stringify(this.owner)}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  }
}

function readOwner(lockFile: string): LockOwner | 'gone' | 'unwritten' {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.thread === 'number' && typeof o.host === 'string') {
      return { pid: o.pid, thread: o.thread, host: o.host };
    }
  } catch {
    // Not written yet (or torn by a crash between create and write): judged by its age below.
  }
  return 'unwritten';
}

function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.thread === b.thread && a.host === b.host;
}

/** A lock whose owner process is gone. Owners on other hosts cannot be checked: never stale. */
function isStale(lockFile: string, owner: LockOwner | 'unwritten'): boolean {
  if (owner === 'unwritten') {
    try {
      return Date.now() - statSync(lockFile).mtimeMs > UNWRITTEN_LOCK_GRACE_MS;
    } catch {
      return false;
    }
  }
  return owner.host === hostname() && !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function breakStale(lockFile: string, seen: LockOwner | 'unwritten'): void {
  const guard = `${lockFile}.break`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another waiter is breaking it; a guard left by a waiter that died there is removed.
    const guardOwner = readOwner(guard);
    if (guardOwner !== 'gone' && isStale(guard, guardOwner)) unlinkQuietly(guard);
    else sleep(1);
    return;
  }
  try {
    try {
      writeSync(fd, `${JSON.stringify({ pid: process.pid, thread: threadId, host: hostname() })}\n`);
    } finally {
      closeSync(fd);
    }
    const now = readOwner(lockFile);
    const unchanged = now === 'unwritten' ? seen === 'unwritten' : now !== 'gone' && seen !== 'unwritten' && sameOwner(now, seen);
    if (unchanged && now !== 'gone' && isStale(lockFile, now)) unlinkQuietly(lockFile);
  } finally {
    unlinkQuietly(guard);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Someone else removed it first.
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Opening a card is synchronous (openCard), so the wait is too: the thread sleeps without spinning. */
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
