// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are scripts, whose ${…} is not a JS template
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import { parseScript } from '../../src/script/parser.js';
import type { RunResult } from '../../src/script/reporter.js';
import { JsonReporter } from '../../src/script/reporters/json-reporter.js';
import { JunitReporter } from '../../src/script/reporters/junit-reporter.js';
import { TextReporter } from '../../src/script/reporters/text-reporter.js';
import { TranscriptRecorder } from '../../src/script/reporters/transcript-recorder.js';
import { type RunOptions, runScripts } from '../../src/script/runner.js';
import { FakeCard } from './fake-card.js';
import { parseXml } from './xml-check.js';

async function run(source: string, options: Partial<RunOptions> & { card?: FakeCard } = {}) {
  const card = options.card ?? new FakeCard();
  const out: string[] = [];
  const script = parseScript(source, 't.script');
  const result = await runScripts([script], {
    transport: card,
    reporters: [new TextReporter({ write: (t) => out.push(t) })],
    now: () => new Date(2024, 4, 1, 13, 45, 30),
    ...options,
  });
  return { result, text: out.join(''), card, sent: card.sent.map(toHex) };
}

function failureOf(result: RunResult) {
  return result.scripts[0]!.steps.find((s) => s.failure)!.failure!;
}

describe('running scripts', () => {
  it('runs a scriptor script unchanged: every line one exchange, reset and exit honoured', async () => {
    // As written for pcsc-tools: comments, a continued line, lowercase hex, reset, exit.
    const source = [
      '#!/usr/bin/env scriptor',
      '# select PPSE',
      'reset',
      '00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31',
      '00b2010c00',
      '80 CA 00 00 \\',
      '04',
      'exit',
      '00 A4 04 00 00',
    ].join('\n');
    const { result, text, card, sent } = await run(source);
    expect(result.passed).toBe(true);
    expect(sent).toEqual(['00A404000E325041592E5359532E4444463031', '00B2010C00', '80CA000004']);
    expect(card.resets).toEqual(['warm']);
    expect(text).toContain('> 00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31\n< 6F 1A 84 0E');
    expect(text).toContain('< 6D 00 : ');
    expect(text).toContain('PASS: 1 script, 1 passed; 3 commands');
  });

  it('fails on a wrong status word with expected vs actual and the meanings', async () => {
    const { result, text } = await run('00 B2 01 0C 00 => 9000\n');
    expect(result.passed).toBe(false);
    const f = failureOf(result);
    expect(f.loc).toEqual({ file: 't.script', line: 1, column: 16 });
    expect(f.message).toBe('expected SW 9000 (success), got 6D00 (instruction code not supported)');
    expect(text).toContain('✗ t.script (t.script:1:16)\n    => 9000\n    expected SW 9000 (success), got 6D00');
  });

  it('checks data exactly, with masks, prefixes and rest, and says where it differs', async () => {
    const ok = await run(
      '80CA000004 => 00 01 02 03 9000\n80CA000004 => 00 .. 0X 0? 9000\n80CA000004 => 00 01 * 9000\n80CA000004\nexpect data prefix 0001\nexpect len 4\nexpect sw 90XX|61XX\n',
    );
    expect(ok.result.passed).toBe(true);
    const bad = await run('80CA000004\nexpect data 00 01 02\n');
    expect(failureOf(bad.result).message).toBe('response data differs: expected 3 byte(s), got 4 (1 more)');
    const diff = await run('80CA000004\nexpect data 00 01 12 03\n');
    expect(failureOf(diff.result).details).toEqual([
      'expected data   00 01 12 03',
      'actual data     00 01 02 03',
      'first difference at byte 2: expected 12, got 02',
      'SW 9000 (success)',
    ]);
  });

  it('checks TLV paths and reports what is there when the path is missing', async () => {
    const ok = await run('00A4040000\nexpect tlv 6F/A5/BF0C/61/4F = 01\nexpect tlv 6F/84\n');
    expect(ok.result.passed).toBe(true);
    const missing = await run('00A4040000\nexpect tlv 6F/A5/BF0C/62\n');
    expect(failureOf(missing.result).message).toBe('no TLV object at 6F/A5/BF0C/62');
    expect(failureOf(missing.result).details[0]).toBe('found: 6F(84 A5(BF0C(61(4F))))');
    const wrong = await run('00A4040000\nexpect tlv 6F/A5/BF0C/61/4F = 02\n');
    expect(failureOf(wrong.result).message).toBe('6F/A5/BF0C/61/4F differs: first difference at byte 0: expected 02, got 01');
  });

  it('captures response bytes into variables and uses them in later commands and checks', async () => {
    const { result, sent } = await run(
      [
        '0084000008',
        '$rand = resp[0:4]',
        '$last = resp[-1]',
        '80EE0000 ${len($rand)} $rand => $rand 9000',
        'assert $last == 88',
        '80 EE 00 00 02 ${sw}',
      ].join('\n'),
    );
    expect(result.passed).toBe(true);
    expect(sent.slice(1)).toEqual(['80EE00000411223344', '80EE00000290 00'.replace(' ', '')]);
  });

  it('takes parameters from --param and the environment; a missing required one is an error', async () => {
    const ok = await run('param $pin = 000000\n00 20 00 00 03 $pin => 9000\n80EE000002 ${CODE} => 4142 9000\n', {
      params: { pin: '123456' },
      env: { CODE: '4142' },
    });
    expect(ok.result.passed).toBe(true);
    const missing = await run('param $pin\n00 20 00 00 03 $pin\n');
    expect(missing.result.totals.errors).toBe(1);
    expect(failureOf(missing.result).message).toBe('parameter $pin is required: pass --param pin=…');
    const unset = await run('00 20 00 00 03 $nope\n');
    expect(failureOf(unset.result).message).toMatch(/^\$nope is not set/);
  });

  it('computes with functions; date() and time() use the run clock', async () => {
    const { result, sent } = await run(
      '80EE000007 ${date()} ${time()}\n80EE000006 ${n12("1.50")}\n80EE000004 ${amount(150)}\n80EE000002 ${gbk("张")}',
    );
    expect(result.passed).toBe(true);
    expect(sent).toEqual(['80EE000007202405011345 30'.replace(' ', ''), '80EE000006000000000150', '80EE00000400000096', '80EE000002D5C5']);
  });

  it('runs named steps as test cases: a failure ends its step, the next step runs, teardown always runs', async () => {
    const { result, sent } = await run(
      'setup\n00A4040000 => 9000\nstep "one"\n80CA000001 => 6D00\n80CA000002\nstep "two"\n80CA000003 => 000102 9000\nteardown\n80EE000001 FF\n',
    );
    expect(result.scripts[0]!.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['one:failed', 'two:passed']);
    expect(sent).toEqual(['00A4040000', '80CA000001', '80CA000003', '80EE000001FF']);
  });

  it('skips the steps when setup fails, stops with --bail, selects with --filter', async () => {
    const setupFails = await run('setup\n80CA000001 => 6D00\nstep "a"\n80CA000001\nteardown\n80EE000001 FF\n');
    expect(setupFails.result.scripts[0]!.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['setup:failed', 'a:skipped']);
    expect(setupFails.sent).toEqual(['80CA000001', '80EE000001FF']);
    const source = 'step "a"\n80CA000001 => 6D00\nstep "b"\n80CA000002\nstep "c"\n80CA000003\n';
    const bail = await run(source, { bail: true });
    expect(bail.result.scripts[0]!.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(bail.sent).toEqual(['80CA000001']);
    const filtered = await run(source, { filter: /^c$/ });
    expect(filtered.result.scripts[0]!.steps.map((s) => s.name)).toEqual(['c']);
    expect(filtered.sent).toEqual(['80CA000003']);
  });

  it('repeats with a counter and stops the script at exit', async () => {
    const { sent, result } = await run('repeat 3 as $i\n80EE000001 ${u8($i)}\nend\nexit\n80CA000001\n');
    expect(result.passed).toBe(true);
    expect(sent).toEqual(['80EE00000100', '80EE00000101', '80EE00000102']);
  });

  it('is raw by default and handles 61xx/6Cxx itself in t0 auto mode', async () => {
    const raw = await run('00A4040000 => 61 1C\n00C0000010 => 6C1C\n', { card: new FakeCard(true) });
    expect(raw.result.passed).toBe(true);
    const auto = await run('t0 auto\n00A4040000 => 6F 1A * 9000\n', { card: new FakeCard(true) });
    expect(auto.result.passed).toBe(true);
    expect(auto.sent).toEqual(['00A4040000', '00C000001C']);
    expect(auto.text).toContain('  > 00 C0 00 00 1C\n  < 6F 1A');
    const flag = await run('00A4040000 => 6F 1A * 9000\n', { card: new FakeCard(true), t0Auto: true });
    expect(flag.result.passed).toBe(true);
  });

  it('runtime errors fail the step with the location: slices past the end, bad values', async () => {
    const slice = await run('80CA000002\n$x = resp[0:5]\n');
    expect(failureOf(slice.result)).toMatchObject({
      kind: 'error',
      loc: { line: 2, column: 10 },
      message: 'slice [0:5] is outside the 2 byte(s) there',
    });
    const text = await run('80EE000001 ${"A"}\n');
    expect(failureOf(text.result).message).toMatch(/text "A" is not bytes; write gbk/);
    const before = await run('expect sw 9000\n');
    expect(failureOf(before.result).message).toBe('expect: no response yet (send a command first)');
  });

  it('masks PINs in the text output and in every report', async () => {
    const card = new FakeCard();
    const out: string[] = [];
    const script = parseScript('00 20 00 00 03 123456 => 9000\nparam $pin = 123456\n00 20 00 00 03 $pin => 9000\n', 'pin.script');
    await runScripts([script], {
      transport: card,
      reporters: [
        new TextReporter({ write: (t) => out.push(t) }),
        new JsonReporter((t) => out.push(t)),
        new JunitReporter((t) => out.push(t)),
        new TranscriptRecorder({ write: (t) => out.push(t), target: 'fake' }),
      ],
    });
    const all = out.join('');
    expect(all).toContain('00 20 00 00 03 ** ** **');
    expect(all).not.toMatch(/12 ?34 ?56/);
    // The transcript keeps the script line for a secret built from a variable, so it can be replayed.
    expect(all).toContain('> 00 20 00 00 03 $pin\n');
  });
});

describe('reports', () => {
  const source = 'step "ok <&> \\"quoted\\""\n80CA000001 => 00 9000\nstep "bad"\n80CA000001 => 01 9000\nstep "skipped"\n80CA000001\n';

  it('JUnit XML is well-formed and says what failed', async () => {
    const xml: string[] = [];
    const result = await runScripts([parseScript(source, 'dir/r.script')], {
      transport: new FakeCard(),
      bail: true,
      reporters: [new JunitReporter((t) => xml.push(t))],
    });
    expect(result.passed).toBe(false);
    const root = parseXml(xml.join(''));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '3', failures: '1', errors: '0', skipped: '1' });
    const suite = root.children[0]!;
    expect(suite.attributes.name).toBe('dir/r.script');
    const [ok, bad, skipped] = suite.children;
    expect(ok!.attributes.name).toBe('ok <&> "quoted"');
    expect(ok!.children.map((c) => c.name)).toEqual(['system-out']);
    const failure = bad!.children.find((c) => c.name === 'failure')!;
    expect(failure.attributes.message).toBe('dir/r.script:4:12: response data differs: first difference at byte 0: expected 01, got 00');
    expect(failure.text).toContain('expected data 01');
    expect(skipped!.children[0]!.name).toBe('skipped');
  });

  it('JSON holds totals, failures and masked exchanges', async () => {
    const out: string[] = [];
    await runScripts([parseScript(source, 'r.script')], { transport: new FakeCard(), reporters: [new JsonReporter((t) => out.push(t))] });
    const doc = JSON.parse(out.join(''));
    expect(doc.passed).toBe(false);
    expect(doc.totals).toMatchObject({ scripts: 1, steps: 3, passed: 2, failed: 1, commands: 3 });
    expect(doc.scripts[0].steps[1]).toMatchObject({
      name: 'bad',
      status: 'failed',
      failure: { location: 'r.script:4:12', source: '=> 01 9000' },
      exchanges: [{ command: '80 CA 00 00 01', response: '00', sw: '9000', meaning: 'success', automatic: false, line: 4 }],
    });
  });

  it('a long run at a terminal shows a progress bar instead of every exchange', async () => {
    const out: string[] = [];
    const progress: string[] = [];
    await runScripts([parseScript('repeat 2000\n80CA000001\nend\n', 'long.script')], {
      transport: new FakeCard(),
      reporters: [new TextReporter({ write: (t) => out.push(t), writeProgress: (t) => progress.push(t), isTty: true })],
    });
    expect(out.join('')).not.toContain('> 80 CA');
    expect(progress.join('')).toContain('2000/2000 commands');
  });
});
