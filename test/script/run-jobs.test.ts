import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { sscard } from '../support/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIBRARY = 'apdu-scripts/default';

interface JsonRun {
  passed: boolean;
  totals: Record<string, number>;
  error?: unknown;
  scripts: Array<{
    file: string;
    commands: number;
    steps: Array<{ name: string; status: string; commands: number; exchanges: unknown[] }>;
  }>;
}
/** What a report says that does not depend on timing or on the card's random challenges. */
const shape = (doc: JsonRun) => ({
  passed: doc.passed,
  totals: doc.totals,
  scripts: doc.scripts.map((s) => ({
    file: s.file,
    commands: s.commands,
    steps: s.steps.map((st) => [st.name, st.status, st.commands, st.exchanges.length]),
  })),
});

describe('sscard run --emulator --jobs N (worker threads, one card each)', () => {
  it('one merged report, in script order, the same as the run on one card', async () => {
    const one = await sscard(['run', '--emulator', LIBRARY, '--json']);
    const junit = join(dir, 'jobs.xml');
    const three = await sscard(['run', '--emulator', '--jobs', '3', LIBRARY, '--json', '--junit', junit]);
    expect(one.code, one.stderr).toBe(0);
    expect(three.code, three.stderr).toBe(0);
    expect(shape(JSON.parse(three.stdout))).toEqual(shape(JSON.parse(one.stdout)));
    const suites = readFileSync(junit, 'utf8').match(/<testsuite name="[^"]+"/g) ?? [];
    expect(suites.map((s) => s.slice('<testsuite name="'.length, -1))).toEqual(
      (JSON.parse(one.stdout) as JsonRun).scripts.map((s) => s.file),
    );
  }, 60_000);

  it('gives each job its own state file: --state card.json becomes card.job1.json, card.job2.json', async () => {
    const state = join(dir, 'card.json');
    const pin = join(dir, 'pin.script');
    writeFileSync(pin, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n0020000003999999 => 63C5\n');
    const r = await sscard(['run', '--emulator', '--jobs', '2', '--state', state, pin, pin]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(dir, 'card.job1.json'))).toBe(true);
    expect(existsSync(join(dir, 'card.job2.json'))).toBe(true);
    expect(existsSync(state)).toBe(false);
    // Each card spent one try: the two runs did not share a card.
    const again = await sscard(['run', '--emulator', '--jobs', '2', '--state', state, pin, pin]);
    expect(again.code).toBe(1);
    expect(again.stdout.match(/got 63C4/g)).toHaveLength(2);
  }, 60_000);

  it('a failing script in one job fails the merged run (exit 1) and is reported in its place', async () => {
    const good = join(dir, 'good.script');
    const bad = join(dir, 'bad.script');
    writeFileSync(good, 'step "good"\n00A4000C023F00 => 9000\n');
    writeFileSync(bad, 'step "bad"\n00A4000C02ABCD => 9000\n');
    const r = await sscard(['run', '--emulator', '--jobs', '2', good, bad, good, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as JsonRun;
    expect(doc.scripts.map((s) => [s.file.split('/').pop(), s.steps[0]!.status])).toEqual([
      ['good.script', 'passed'],
      ['bad.script', 'failed'],
      ['good.script', 'passed'],
    ]);
  }, 60_000);

  it('a job whose card cannot be opened stops the run with exit 3; the report still has what the other job ran', async () => {
    const state = join(dir, 'held.json');
    // Card 2's state file is held by a live process (this one): its job waits 300 ms, then gives up.
    writeFileSync(join(dir, 'held.job2.json.lock'), `${JSON.stringify({ pid: process.pid, thread: 0, host: hostname() })}\n`);
    const good = join(dir, 'quick.script');
    writeFileSync(good, 'step "quick"\n00A4000C023F00 => 9000\n');
    const r = await sscard(['run', '--emulator', '--jobs', '2', '--state', state, '--timeout', '300', good, good, good, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^sscard: card state .*held\.job2\.json in use by pid \d+/);
    const doc = JSON.parse(r.stdout) as JsonRun;
    expect((doc.error as { code: string }).code).toBe('ESTATEINUSE');
    expect(doc.scripts.map((s) => s.steps[0]!.status)).toEqual(['passed', 'passed']);
  }, 60_000);

  it('runs from the TypeScript sources too (jobs on this thread), and refuses --jobs without --emulator', async () => {
    const io = memoryIo();
    expect(await runCli(['run', '--emulator', '--jobs', '2', `${LIBRARY}/outlet-read.script`, `${LIBRARY}/t0.script`], io)).toBe(0);
    expect(io.text()).toMatch(/PASS: 2 scripts/);
    const pcsc = memoryIo();
    expect(await runCli(['run', '--jobs', '2', `${LIBRARY}/t0.script`], pcsc)).toBe(2);
    expect(pcsc.errText()).toMatch(/--jobs runs on emulated cards: add --emulator/);
    const zero = memoryIo();
    expect(await runCli(['run', '--emulator', '--jobs', '0', `${LIBRARY}/t0.script`], zero)).toBe(2);
  });
});
