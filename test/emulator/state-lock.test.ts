import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard } from '../../emulator/open-card.js';
import { CardStateInUseError } from '../../emulator/state-lock.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { SELECT_SSSE, TEST_PROFILE_PATH } from './card-helpers.js';

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-lock-'));
  state = join(dir, 'card.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (waitMs = 200) => openCard({ profile: TEST_PROFILE_PATH, state, stateWaitMs: waitMs, logger: memoryLogger() });
const lockOf = (pid: number, host = hostname()) => `${JSON.stringify({ pid, thread: 0, host })}\n`;

/**
 * A process that runs for `ms` and is not our child (a child that ended stays a zombie, alive to
 * kill(pid, 0), until this process, blocked in the synchronous wait, reaps it).
 */
function otherProcess(ms: number): number {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" -e "setTimeout(() => {}, ${ms})" >/dev/null 2>&1 & echo $!`], {
    encoding: 'utf8',
  });
  return Number(r.stdout.trim());
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('state file owner', () => {
  it('holds <state>.lock with its pid while open and removes it on close', () => {
    const card = open();
    expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toEqual({ pid: process.pid, thread: threadId, host: hostname() });
    card.close();
    expect(existsSync(`${state}.lock`)).toBe(false);
    expect(readdirSync(dir)).toEqual(['card.json']);
  });

  it('a second card on the same file in this process is refused at once; after close it opens', () => {
    const card = open();
    const started = Date.now();
    expect(() => open(5000)).toThrow(CardStateInUseError);
    expect(Date.now() - started).toBeLessThan(1000);
    card.close();
    open().close();
  });

  it('a closed card answers 6581 to a change instead of writing a file it no longer owns', () => {
    const card = open();
    card.close();
    card.powerOn();
    card.transmit(fromHex(SELECT_SSSE));
    expect(toHex(card.transmit(fromHex('0020000003000000')))).toBe('6581');
  });

  it('takes over the lock of a process that died (crash, SIGKILL) and removes its temp files', () => {
    open().close();
    writeFileSync(`${state}.lock`, lockOf(deadPid()));
    writeFileSync(join(dir, '.card.json.4242.tmp'), '{"torn": tr');
    writeFileSync(join(dir, '.other.json.4242.tmp'), 'not ours');
    const card = open();
    expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).sort()).toEqual(['.other.json.4242.tmp', 'card.json', 'card.json.lock']);
    card.close();
  });

  it('waits for a live owner up to the bound, then names its pid', () => {
    const owner = otherProcess(20_000);
    try {
      writeFileSync(`${state}.lock`, lockOf(owner));
      const started = Date.now();
      let error: unknown;
      try {
        open(300);
      } catch (e) {
        error = e;
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(error).toBeInstanceOf(CardStateInUseError);
      expect((error as CardStateInUseError).code).toBe('ESTATEINUSE');
      expect((error as Error).message).toMatch(new RegExp(`^card state .*card\\.json in use by pid ${owner} \\(waited 300 ms`));
    } finally {
      process.kill(owner, 'SIGKILL');
    }
  });

  it('gets the card as soon as the owner ends within the wait', () => {
    writeFileSync(`${state}.lock`, lockOf(otherProcess(500)));
    const started = Date.now();
    const card = open(10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8')).pid).toBe(process.pid);
    card.close();
  });

  it('never takes over a lock from another host (its pid cannot be checked here)', () => {
    writeFileSync(`${state}.lock`, lockOf(deadPid(), 'another-host.example'));
    expect(() => open(100)).toThrow(/in use by pid \d+ on host another-host\.example/);
  });

  it('a state path it cannot create is one error naming the path and the reason', () => {
    writeFileSync(join(dir, 'plain-file'), '');
    expect(() => openCard({ profile: TEST_PROFILE_PATH, state: join(dir, 'plain-file', 'card.json') })).toThrow(
      /^card state .*plain-file\/card\.json: cannot create its directory: .*\(EEXIST|ENOTDIR\)/,
    );
  });
});
