import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sscard } from '../support/cli-process.js';

// Concurrent `sscard` processes on one --state file: each waits its turn for the card, so no
// update is lost (issue 13). The generous --timeout is the bound of that wait on a busy machine.
const dir = mkdtempSync(join(tmpdir(), 'sscard-owner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WAIT = ['--timeout', '120000'];

describe('one process at a time per state file', () => {
  it('20 concurrent wrong PINs block the card: every process spent its own try', async () => {
    const state = join(dir, 'pin.json');
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        sscard(['pin', 'verify', '--emulator', '--state', state, '--pin-stdin', ...WAIT], { stdin: '000000\n' }),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(4);
    const answers = runs.map((r) => /card answered (63C\d|6983)/.exec(r.stderr)?.[1]).sort();
    // Six tries, one each, counted down in turn; then the PIN is blocked for the other fourteen.
    expect(answers).toEqual([...['63C0', '63C1', '63C2', '63C3', '63C4', '63C5'], ...new Array(14).fill('6983')]);
    const status = await sscard(['pin', 'status', '--emulator', '--state', state, '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ triesLeft: 0, blocked: true });
    expect(readdirSync(dir).filter((f) => f.startsWith('pin.json') || f.startsWith('.pin.json'))).toEqual(['pin.json']);
  }, 180_000);

  it('10 concurrent purchases: the balance drops by exactly the successes, each with its own card sequence number', async () => {
    const state = join(dir, 'medical.json');
    const balance = async () => {
      const r = await sscard(['medical', 'balance', '--emulator', '--state', state, '--pin-stdin', '--json', ...WAIT], {
        stdin: '123456\n',
      });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { accountFen: number }).accountFen;
    };
    const before = await balance();
    // Ten terminals paying at once: each purchase is INITIALIZE + DEBIT on the card, never interleaved.
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sscard(
          ['medical', 'purchase', '1.00', '--terminal', `0000330300${String(i).padStart(2, '0')}`, '--keys', 'sample', '--yes'].concat([
            '--emulator',
            '--state',
            state,
            '--pin-stdin',
            '--json',
            ...WAIT,
          ]),
          { stdin: '123456\n' },
        ),
      ),
    );
    const successes = runs.filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout) as { offlineSeq: number; balanceAfter: number });
    expect(successes.length).toBeGreaterThan(0);
    expect(new Set(successes.map((s) => s.offlineSeq)).size).toBe(successes.length);
    expect(new Set(successes.map((s) => s.balanceAfter)).size).toBe(successes.length);
    expect(await balance()).toBe(before - 100 * successes.length);
  }, 180_000);

  it('a second process waits up to --timeout, then says who holds the card (exit 3)', async () => {
    const state = join(dir, 'held.json');
    const holder = sscard(['emulate', '--state', state, '--port', '1', '--for', '6']);
    // The emulator holds the state file while it runs (it cannot reach vpcd on port 1: no matter).
    await new Promise((r) => setTimeout(r, 1500));
    const r = await sscard(['pin', 'status', '--emulator', '--state', state, '--timeout', '300', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^sscard: card state ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in use by pid \\d+`));
    expect(JSON.parse(r.stdout).error.code).toBe('ESTATEINUSE');
    await holder;
  }, 60_000);
});
