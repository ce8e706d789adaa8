import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCardProcess } from '../support/card-process.js';
import { SELECT_SSSE, TEST_PROFILE_PATH } from './card-helpers.js';

const VERIFY_WRONG = '0020000003111111';
const VERIFY_OK = '0020000003123456';

let dir: string;
let state: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-tearing-'));
  state = join(dir, 'card.state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(apdus: string[], crashAt?: string) {
  return runCardProcess(TEST_PROFILE_PATH, state, apdus, crashAt === undefined ? {} : { crashAt });
}

function triesLeft(): number {
  return JSON.parse(readFileSync(state, 'utf8')).pins['3F00/1001#00'].triesLeft;
}

describe('tearing: the card is killed (SIGKILL) in the middle of VERIFY', () => {
  it('creates the state file on first use', () => {
    const r = run([SELECT_SSSE]);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual(['6113']);
    expect(triesLeft()).toBe(6);
  });

  it('wrong PIN, killed right after the counter was persisted: after restart the try is gone', () => {
    const crashed = run([SELECT_SSSE, VERIFY_WRONG], 'verify:decremented');
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.lines).toEqual(['6113']); // VERIFY never answered
    expect(triesLeft()).toBe(5);
    const restarted = run([SELECT_SSSE, '00200000']);
    expect(restarted.lines).toEqual(['6113', '63C5']);
  });

  it('even the right PIN costs a try when the card is pulled before it answered', () => {
    const crashed = run([SELECT_SSSE, VERIFY_OK], 'verify:decremented');
    expect(crashed.signal).toBe('SIGKILL');
    const restarted = run([SELECT_SSSE, '00200000', VERIFY_OK, '00200000']);
    expect(restarted.lines).toEqual(['6113', '63C5', '9000', '63C6']);
    expect(triesLeft()).toBe(6);
  });

  it('killed between writing the temp file and the rename: the old state file is intact and loads', () => {
    run([SELECT_SSSE]);
    const crashed = run([SELECT_SSSE, VERIFY_WRONG], 'state:temp-written');
    expect(crashed.signal).toBe('SIGKILL');
    expect(triesLeft()).toBe(6);
    const restarted = run([SELECT_SSSE, VERIFY_WRONG, '00200000']);
    expect(restarted.lines).toEqual(['6113', '63C5', '63C5']);
  });

  it('repeated crashes never give back a try: six torn VERIFYs block the PIN', () => {
    for (let i = 0; i < 6; i++) expect(run([SELECT_SSSE, VERIFY_OK], 'verify:decremented').signal).toBe('SIGKILL');
    expect(run([SELECT_SSSE, VERIFY_OK]).lines).toEqual(['6113', '6983']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length).toBeLessThanOrEqual(1);
    expect(existsSync(state)).toBe(true);
  });
});
