import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { VirtualCard } from '../../emulator/virtual-card.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { setEmulatorFactory } from '../../src/cli/open-transport.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { REPO, sscard } from '../support/cli-process.js';
import { FakeVirtualCard } from '../transport/fake-virtual-card.js';

const dir = mkdtempSync(join(tmpdir(), 'sscard-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setEmulatorFactory(undefined));

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

const script = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
// A script that changes the card: a wrong PIN costs a try, saved in the state file.
const WRONG_PIN = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF\n0020000003999999 => 63C5\n';

describe('output paths are checked before the first command is sent', () => {
  it('--junit into a missing directory: exit 2, and the card was never touched', async () => {
    const state = join(dir, 'junit-card.json');
    const r = await run('run', '--emulator', '--state', state, script('a.script', WRONG_PIN), '--junit', '/nonexistent-dir/x.xml');
    expect(r.code).toBe(2);
    expect(r.err).toBe('sscard: --junit /nonexistent-dir/x.xml: directory /nonexistent-dir does not exist\n');
    expect(existsSync(state)).toBe(false);
  });

  it('--record or --junit naming an input script is refused (it would be overwritten)', async () => {
    const input = script('b.script', WRONG_PIN);
    const r = await run('run', '--emulator', input, '--record', input);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--record .*b\.script: is also an input of this command/);
    expect(readFileSync(input, 'utf8')).toBe(WRONG_PIN);
  });

  it('--state "" is one line, exit 2', async () => {
    const r = await run('info', '--emulator', '--state', '');
    expect(r.code).toBe(2);
    expect(r.err).toBe('sscard: --state "": the path is empty\n');
  });

  it('a state path under a file (not a directory) is one line naming the path and the reason', async () => {
    writeFileSync(join(dir, 'plain'), '');
    const r = await run('pin', 'status', '--emulator', '--state', join(dir, 'plain', 'c.json'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^sscard: --state .*plain\/c\.json: .*plain is not a directory$/m);
  });

  it.skipIf(process.getuid?.() === 0)('a state directory without write permission is one line, exit 2', async () => {
    const locked = join(dir, 'locked');
    rmSync(locked, { recursive: true, force: true });
    spawnSync('mkdir', ['-m', '0500', locked]);
    const r = await run('pin', 'status', '--emulator', '--state', join(locked, 'c.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sscard: --state .*locked\/c\.json: directory .*locked is not writable \(permission denied\)\n$/);
  });

  it('pki sign --file of a missing file and pki certs --out onto an existing file: exit 2, no PIN try spent', async () => {
    const state = join(dir, 'pki-card.json');
    const sign = await run('pki', 'sign', '--emulator', '--state', state, '--file', '/nope', '--pin', '123456');
    expect(sign.code).toBe(2);
    expect(sign.err).toBe('sscard: --file /nope: no such file\n');
    const existing = script('certs-here', 'not a directory');
    const certs = await run('pki', 'certs', '--emulator', '--state', state, '--out', existing);
    expect(certs.code).toBe(2);
    expect(certs.err).toMatch(/--out .*certs-here: exists and is not a directory/);
    expect(existsSync(state)).toBe(false);
  });
});

/** A card that answers `commands` commands, then is pulled from the reader. */
function cardPulledAfter(commands: number): VirtualCard {
  const inner = new FakeVirtualCard();
  let left = commands;
  return {
    powerOn: () => inner.powerOn(),
    powerOff: () => inner.powerOff(),
    reset: () => inner.reset(),
    transmit(command) {
      if (left-- <= 0) throw new TransportError('card-removed', 'the card was removed');
      return inner.transmit(command);
    },
  };
}

describe('a run that loses its card midway (exit 3)', () => {
  const twoSteps = () =>
    script('two.script', 'step "first"\n80CA000002 => 0001 9000\nstep "second"\n80CA000002 => 0001 9000\n80CA000002\n');

  it('still writes its JUnit report and its --json document with the steps that ran', async () => {
    setEmulatorFactory(async () => ({ card: cardPulledAfter(2), label: 'fake', close: async () => {} }));
    const junit = join(dir, 'partial.xml');
    const r = await run('run', '--emulator', twoSteps(), '--junit', junit, '--json');
    expect(r.code).toBe(3);
    expect(r.err).toBe('sscard: the card was removed\n');
    const doc = JSON.parse(r.out);
    expect(doc.error).toEqual({ code: 'ETRANSPORT', message: 'the card was removed' });
    expect(doc.passed).toBe(false);
    expect(doc.scripts[0].steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['first', 'passed'],
      ['second', 'error'],
    ]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase name="first"/);
    expect(xml).toMatch(/<testcase name="second"[\s\S]*<error message="the card was removed"/);
  });

  it('the text report says where it stopped', async () => {
    setEmulatorFactory(async () => ({ card: cardPulledAfter(1), label: 'fake', close: async () => {} }));
    const r = await run('run', '--emulator', twoSteps());
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/✓ first/);
    expect(r.out).toMatch(/STOPPED: the card was removed\nFAIL: 1 script, 1 passed, 1 error/);
  });
});

describe('script paths', () => {
  it('a glob with an unclosed [ is a usage error (exit 2), not an internal error', async () => {
    const r = await run('run', '--emulator', '[');
    expect(r.code).toBe(2);
    expect(r.err).toBe('sscard: [ is not a valid pattern (an unclosed [ ?)\n');
  });
});

describe('--json errors are a JSON object on stdout as well as one line on stderr', () => {
  it('for a usage error, a card refusal and a bad option', async () => {
    const bad = await run('sw', '12', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out)).toEqual({ error: { code: 'EINPUT', message: expect.stringMatching(/status word/) } });
    expect(bad.err).toMatch(/^sscard: /);
    const refused = await run('pin', 'verify', '--emulator', '--pin', '000000', '--json');
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.out).error).toMatchObject({ code: 'EPIN', message: expect.stringMatching(/5 tries left/) });
    const usage = await run('send', '--emulator', '--json', '--bogus', '00A40000');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out).error.code).toBe('EUSAGE');
  });
});

describe('exit codes match the README table', () => {
  it('a corrupt state file is exit 2 (input), one line naming it', async () => {
    const state = script('corrupt.json', '{"format": ');
    const r = await run('pin', 'status', '--emulator', '--state', state);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sscard: card state .*corrupt\.json: corrupt/);
  });

  it('readers exits 3 when the PC/SC service cannot be reached, still listing the emulator', async () => {
    const env = { ...process.env, PCSCLITE_CSOCK_NAME: join(dir, 'no-pcscd.sock') };
    const r = await sscard(['readers'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/sscard emulator +built-in/);
    expect(r.stderr).toMatch(/^sscard: .*PC\/SC service/);
    const j = await sscard(['readers', '--json'], { env });
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout).error.code).toBe('ETRANSPORT');
  });
});

describe('pipes and prompts', () => {
  it('`sscard sw --list | head -1` ends quietly', () => {
    // bash reports sscard's own exit status (PIPESTATUS), not head's.
    const pipeline = 'node bin/sscard.js sw --list | head -1; exit $' + '{PIPESTATUS[0]}';
    const r = spawnSync('bash', ['-c', pipeline], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  const hasPython = spawnSync('python3', ['-c', 'import pty']).status === 0;
  const PTY = fileURLToPath(new URL('../support/pty-run.py', import.meta.url));
  const atPrompt = (args: string[], prompt: string, action: 'ctrl-c' | 'ctrl-d' | 'sigint') => {
    const argv = JSON.stringify([process.execPath, join(REPO, 'bin/sscard.js'), ...args]);
    const r = spawnSync('python3', [PTY, argv, prompt, action], { encoding: 'utf8', timeout: 60_000 });
    return JSON.parse(r.stdout) as { code: number; output: string };
  };

  it.skipIf(!hasPython)('Ctrl-C at the PIN prompt: "cancelled", exit 130', () => {
    const r = atPrompt(['pin', 'verify', '--emulator'], 'PIN:', 'ctrl-c');
    expect(r.code).toBe(130);
    expect(r.output).toMatch(/sscard: cancelled\r?\n/);
    expect(r.output).not.toMatch(/internal error/);
  });

  it.skipIf(!hasPython)('SIGINT while at a confirmation: "cancelled", exit 130, nothing debited', () => {
    const state = join(dir, 'confirm.json');
    const r = atPrompt(
      ['medical', 'purchase', '1.00', '--terminal', '000033030001', '--keys', 'sample', '--emulator', '--state', state],
      'type yes',
      'sigint',
    );
    expect(r.code).toBe(130);
    expect(r.output).toMatch(/sscard: cancelled/);
    expect(existsSync(state)).toBe(false);
  });

  it.skipIf(!hasPython)('Ctrl-D at the PIN prompt means no input: exit 2', () => {
    const r = atPrompt(['pin', 'verify', '--emulator'], 'PIN:', 'ctrl-d');
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/sscard: no input at the prompt "PIN"/);
  });

  it('--pin-stdin with standard input closed empty is "no input" too: exit 2', async () => {
    const r = await sscard(['pin', 'verify', '--emulator', '--pin-stdin'], { stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sscard: --pin-stdin expects 1 line/);
  });
});
