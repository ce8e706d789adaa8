import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRASH_AT_ENV } from '../../emulator/crash-point.js';

const RUNNER = fileURLToPath(new URL('./run-purse-terminal.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const OPENING = 5000;

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-purse-tearing-'));
  state = join(dir, 'card.state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(ops: string[], crashAt?: string) {
  const env = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (crashAt !== undefined) env[CRASH_AT_ENV] = crashAt;
  const r = spawnSync(process.execPath, ['--import', 'tsx', RUNNER, state, ...ops], { cwd: REPO, env, encoding: 'utf8' });
  return { signal: r.signal, status: r.status, lines: r.stdout.trim().split('\n').filter(Boolean), stderr: r.stderr };
}

interface PurseState {
  balance: number;
  onlineAtc: number;
  offlineAtc: number;
  details: Array<{ atc: number; amount: number; type: number }>;
  trips: number;
}

/** The card as its state file has it (what survives the kill). */
function card(): PurseState {
  const s = JSON.parse(readFileSync(state, 'utf8'));
  const p = s.applications['transport-purse'] ?? { balance: OPENING, onlineAtc: 0, offlineAtc: 0 };
  const records: string[] = s.files['3F00/1001/0018']?.records ?? [];
  return {
    balance: p.balance,
    onlineAtc: p.onlineAtc,
    offlineAtc: p.offlineAtc,
    details: records.map((r) => ({
      atc: Number.parseInt(r.slice(0, 4), 16),
      amount: Number.parseInt(r.slice(10, 18), 16),
      type: Number.parseInt(r.slice(18, 20), 16),
    })),
    trips: (s.files['3F00/1001/001E']?.records ?? []).length,
  };
}

/** Every fen accounted for: opening balance + loads − purchases in the log = balance; ATCs = counts. */
function expectConsistent(c: PurseState): void {
  const loads = c.details.filter((d) => d.type === 0x02);
  const buys = c.details.filter((d) => d.type === 0x06 || d.type === 0x09);
  expect(c.balance).toBe(OPENING + loads.reduce((a, d) => a + d.amount, 0) - buys.reduce((a, d) => a + d.amount, 0));
  expect(c.onlineAtc).toBe(loads.length);
  expect(c.offlineAtc).toBe(buys.length);
  expect(loads.map((d) => d.atc)).toEqual(loads.map((_, i) => loads.length - 1 - i));
  expect(buys.map((d) => d.atc)).toEqual(buys.map((_, i) => buys.length - 1 - i));
}

const CASES = [
  { op: 'load:700', kind: 'load', delta: 700 },
  { op: 'buy:300', kind: 'purchase', delta: -300 },
  { op: 'metro:200', kind: 'compound-purchase', delta: -200 },
] as const;

describe('purse tearing: SIGKILL between any two steps of a load or purchase creates or loses no fen', () => {
  for (const { op, kind, delta } of CASES) {
    // Before the write: no trace. The temp file written but not renamed: no trace. After the rename
    // (state:saved, the named commit, the answer): the whole transaction.
    const points = [
      { at: `purse:${kind}:before`, done: false },
      { at: 'state:temp-written', done: false },
      { at: 'state:saved', done: true },
      { at: `purse:${kind}:committed`, done: true },
    ];
    for (const { at, done } of points) {
      it(`${op}, killed at ${at}: ${done ? 'all of it' : 'none of it'}, counters consistent, the card goes on`, () => {
        expect(run(['load:1000', 'buy:100']).status).toBe(0);
        const before = card();
        expectConsistent(before);
        const crashed = run([op], at);
        expect(crashed.signal).toBe('SIGKILL');
        const after = card();
        expectConsistent(after);
        expect(after.balance).toBe(before.balance + (done ? delta : 0));
        expect(after.details.length).toBe(before.details.length + (done ? 1 : 0));
        expect(after.trips).toBe(before.trips + (done && kind === 'compound-purchase' ? 1 : 0));
        // The card carries on from whatever it kept.
        expect(run(['load:50', 'buy:20', 'metro:10']).status).toBe(0);
        const later = card();
        expectConsistent(later);
        expect(later.balance).toBe(after.balance + 20);
      });
    }
  }

  it('killed after INITIALIZE (the terminal never sends CREDIT or DEBIT): no trace (a new session has no pending transaction: see purse-card.test.ts)', () => {
    expect(run(['load:1000']).status).toBe(0);
    const before = card();
    expect(run(['load-init:500', 'buy-init:100']).status).toBe(0);
    expect(card()).toEqual(before);
    expect(run(['load-init:500'], 'response').signal).toBe('SIGKILL');
    expect(card()).toEqual(before);
  });

  it('a run of kills at every point in turn never breaks the books', () => {
    expect(run(['load:5000']).status).toBe(0);
    // 'response' fires after the first answer of a run, the others inside the op they name.
    const points = [
      'purse:load:before',
      'state:temp-written',
      'state:saved',
      'purse:purchase:committed',
      'purse:compound-purchase:before',
      'response',
    ];
    for (const at of points) {
      const before = card();
      run(['load:30', 'buy:20', 'metro:10'], at);
      const after = card();
      // What the card kept is whole transactions, each in the log with the next ATC and its amount.
      const added = after.onlineAtc - before.onlineAtc + (after.offlineAtc - before.offlineAtc);
      expect(after.onlineAtc - before.onlineAtc).toBeOneOf([0, 1]);
      expect(after.offlineAtc - before.offlineAtc).toBeOneOf([0, 1, 2]);
      const fresh = after.details.slice(0, added);
      const moved = fresh.reduce((sum, d) => sum + (d.type === 0x02 ? d.amount : -d.amount), 0);
      expect(after.balance - before.balance).toBe(moved);
      expect([0, 30, 10, 0]).toContain(moved);
      for (const d of fresh) expect(d.atc).toBe(d.type === 0x02 ? before.onlineAtc : before.offlineAtc + (d.type === 0x09 ? added - 2 : 0));
    }
  });
});
