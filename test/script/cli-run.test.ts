import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { parseXml } from './xml-check.js';

// These tests drive the small test card unless they name another.
async function sscard(...args: string[]) {
  const argv = args.includes('--emulator') && !args.includes('--profile') ? [...args, '--profile', 'test-minimal'] : args;
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

const dir = mkdtempSync(join(tmpdir(), 'sscard-run-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SELECT = '00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF';

describe('sscard run', () => {
  it('runs the example scripts against the emulator and passes', async () => {
    const r = await sscard('run', '--emulator', 'apdu-scripts/examples/');
    expect(r.err, r.out).toBe('');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^PASS: 5 scripts, \d+ passed; \d+ commands/m);
  });

  it('exits 1 on a wrong expectation, naming file:line:column, expected and actual with meanings', async () => {
    const path = file('wrong.script', `${SELECT}\n00 B2 09 2C 00 => 9000\n`);
    const r = await sscard('run', '--emulator', path);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`(${path}:2:16)\n    => 9000\n    expected SW 9000 (success), got 6A83 (record not found)`);
    expect(r.out).toMatch(/^FAIL: 1 script, 0 passed, 1 failed/m);
    expect(r.err).toBe('sscard: 1 step failed\n');
  });

  it('exits 2 on a syntax error with one line, before sending anything', async () => {
    const path = file('syntax.script', `${SELECT}\nexpect sw 9O00\n`);
    const r = await sscard('run', '--emulator', path);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`sscard: ${path}:2:11: expected a status word of 4 hex digits (X for any digit), like 9000 or 61XX, found '9O00'\n`);
  });

  it('takes --param, --t0-auto, --filter and prints JSON', async () => {
    const path = file('params.script', `step "pin"\n${SELECT}\n00 C0 00 00 13\n00 20 00 00 03 $pin => 9000\nstep "other"\n80CA000001\n`);
    const r = await sscard('run', '--emulator', path, '--param', 'pin=123456', '--filter', '^pin$', '--json');
    expect(r.code, r.out).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.scripts[0].steps.map((s: { name: string }) => s.name)).toEqual(['pin']);
    expect(doc.scripts[0].steps[0].exchanges[2].command).toBe('00 20 00 00 03 ** ** **');
    const auto = await sscard('run', '--emulator', '--t0-auto', file('auto.script', `${SELECT} => 6F 11 * 9000\n`));
    expect(auto.code, auto.out).toBe(0);
  });

  it('writes JUnit XML that parses, one test case per step', async () => {
    const path = file('junit.script', `setup\n${SELECT}\nstep "good"\n00 C0 00 00 13 => 6F * 9000\nstep "bad"\n00 B2 09 2C 00 => 9000\n`);
    const xmlPath = join(dir, 'out.xml');
    const r = await sscard('run', '--emulator', path, '--junit', xmlPath);
    expect(r.code).toBe(1);
    const root = parseXml(readFileSync(xmlPath, 'utf8'));
    const cases = root.children[0]!.children;
    expect(cases.map((c) => c.attributes.name)).toEqual(['good', 'bad']);
    expect(cases[1]!.children.find((c) => c.name === 'failure')?.attributes.message).toBe(
      `${path}:6:16: expected SW 9000 (success), got 6A83 (record not found)`,
    );
  });

  it('records a transcript and replays it against the emulator; a changed answer fails the replay', async () => {
    const path = file('rec.script', `param $pin = 123456\n${SELECT}\n00 C0 00 00 13\n00 20 00 00 03 $pin => 9000\n00 B2 01 2C 12\n`);
    const trace = join(dir, 'rec.trace');
    expect((await sscard('run', '--emulator', path, '--record', trace)).code).toBe(0);
    const recorded = readFileSync(trace, 'utf8');
    expect(recorded).toContain('> 00 20 00 00 03 $pin\n< 90 00 : success\n');
    expect(recorded).not.toContain('12 34 56');
    const replay = await sscard('run', '--emulator', '--replay', trace, '--param', 'pin=123456');
    expect(replay.code, replay.out).toBe(0);
    const tampered = file('tampered.trace', recorded.replace('< 01 10 33', '< 01 10 34'));
    const bad = await sscard('run', '--emulator', '--replay', tampered, '--param', 'pin=123456');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('first difference at byte 2: expected 34, got 33');
  });

  it('imports a cardpeek C:/R: log', async () => {
    const log = file(
      'session.log',
      `C: ${SELECT}\nR: 61 13\nC: 00 C0 00 00 13\nR: 6F 11 84 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF 90 00\n`,
    );
    const r = await sscard('run', '--emulator', '--replay', log);
    expect(r.code, r.out).toBe(0);
  });

  it('rejects --emulator with --reader, and a missing script', async () => {
    expect((await sscard('run', '--emulator', '--reader', 'x', 'a.script')).code).toBe(2);
    const missing = await sscard('run', '--emulator', join(dir, 'nope.script'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^sscard: no such script or directory/);
  });
});
