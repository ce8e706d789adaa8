import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCardProcess } from '../support/card-process.js';
import { gpoCommand, SELECT_DEBIT } from './pboc-helpers.js';

// The card runs in a child process (test/emulator/run-card.ts) that SIGKILLs itself at a named point.
const GPO = (amount: number) => gpoCommand(amount).replace(/\s/g, '');
const READ_STATE = [SELECT_DEBIT, '80CA9F7900', '80CA9F3600', ...Array.from({ length: 4 }, (_, i) => `00B20${i + 1}5C00`)];

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-pboc-tearing-'));
  state = join(dir, 'card.state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(apdus: string[], crashAt?: string) {
  return runCardProcess('default', state, apdus, { ...(crashAt === undefined ? {} : { crashAt }), contactless: true });
}

/** Balance, ATC and log as the restarted card reports them. */
function cardView() {
  const r = run(READ_STATE);
  expect(r.status).toBe(0);
  const [, balance, atc, ...records] = r.lines;
  const log = records
    .filter((l) => l.endsWith('9000'))
    .map((l) => ({ amount: Number(l.slice(6, 18)), atc: Number.parseInt(l.slice(40, 44), 16) }));
  return { balance: Number(balance!.slice(6, 18)), atc: Number.parseInt(atc!.slice(6, 10), 16), log };
}

const BEFORE = { balance: 19000, atc: 1, log: [{ amount: 1000, atc: 1 }] };
const AFTER = {
  balance: 18500,
  atc: 2,
  log: [
    { amount: 500, atc: 2 },
    { amount: 1000, atc: 1 },
  ],
};

describe('tearing: the card is killed (SIGKILL) in the middle of an electronic-cash purchase', () => {
  for (const [point, expected] of [
    ['pboc-purchase:before', BEFORE],
    ['state:temp-written', BEFORE],
    ['state:saved', AFTER],
    ['pboc-purchase:committed', AFTER],
  ] as const) {
    it(`killed at ${point}: balance, ATC and log are ${expected === BEFORE ? 'all as before' : 'all updated'}`, () => {
      const first = run([SELECT_DEBIT, GPO(1000)]);
      expect(first.status).toBe(0);
      expect(first.lines[1]!.endsWith('9000')).toBe(true);
      expect(cardView()).toEqual(BEFORE);
      const crashed = run([SELECT_DEBIT, GPO(500)], point);
      expect(crashed.signal).toBe('SIGKILL');
      expect(crashed.lines).toHaveLength(1); // the purchase never answered
      expect(cardView()).toEqual(expected);
      // The state file itself agrees: one consistent snapshot.
      const saved = JSON.parse(readFileSync(state, 'utf8'));
      expect(saved.applications['pboc-debit']).toMatchObject({ atc: expected.atc, ecBalance: expected.balance });
      // And the card goes on from there.
      const next = run([SELECT_DEBIT, GPO(100)]);
      expect(next.lines[1]!.endsWith('9000')).toBe(true);
      expect(cardView().balance).toBe(expected.balance - 100);
    }, 60_000);
  }

  it('repeated kills never lose or double a debit: balance + logged amounts stay 200.00, ATC = log length', () => {
    const points = ['pboc-purchase:before', 'state:temp-written', 'state:saved', 'pboc-purchase:committed'];
    for (let i = 0; i < 6; i++) run([SELECT_DEBIT, GPO(100 + i)], points[i % points.length]);
    const view = cardView();
    const logged = run([
      SELECT_DEBIT,
      ...Array.from({ length: 10 }, (_, n) => `00B2${(n + 1).toString(16).padStart(2, '0').toUpperCase()}5C00`),
    ])
      .lines.slice(1)
      .filter((l) => l.endsWith('9000'))
      .map((l) => Number(l.slice(6, 18)));
    expect(view.balance + logged.reduce((a, b) => a + b, 0)).toBe(20000);
    expect(view.atc).toBe(logged.length);
    expect(logged).toHaveLength(2); // killed at state:saved or committed: the write happened
  }, 60_000);
});
