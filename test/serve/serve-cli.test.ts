import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { cardInfo, expectedCardBas } from '../reader-functions/profile-facts.js';
import { REPO } from '../support/cli-process.js';
import { apiCall } from './serve-client.js';

const BIN = fileURLToPath(new URL('../../bin/sscard.js', import.meta.url));

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard serve: the command line', () => {
  it('documents every option, the endpoints, the JSON shape and the security model in --help', async () => {
    const { code, out } = await run('serve', '--help');
    expect(code).toBe(0);
    for (const option of [
      '--port',
      '--host',
      '--allow-origin',
      '--token ',
      '--token-file',
      '--static',
      '--emulator',
      '--profile',
      '--state',
      '--psam-profile',
      '--psam <reader>',
      '--no-psam',
      '--reader',
      '--contactless-reader',
      '--hsm <url>',
      'tcp://HOST:PORT',
      'software:KEYFILE',
      '--device-number',
      '--timeout',
      '--step-timeout',
      '--rate',
      '--quiet',
      '--for',
    ]) {
      expect(out, option).toContain(option);
    }
    for (const fact of [
      'POST /api',
      'GET /readers',
      '/ws',
      '/emulator/card',
      '"bearer.TOKEN"',
      'Authorization: Bearer',
      '421',
      '403',
      '401',
    ]) {
      expect(out, fact).toContain(fact);
    }
  });

  it('refuses wrong options with exit 2 before a reader or state file is touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-serve-'));
    const state = join(dir, 'card.json');
    const cases: Array<[string[], RegExp]> = [
      [['--host', '0.0.0.0'], /loopback/],
      [['--reader', 'ACR39U'], /not with --emulator/],
      [['--token', 'short'], /16–256 characters/],
      [['--token', 'a'.repeat(16), '--token-file', join(dir, 'x')], /not both/],
      [['--token-file', join(dir, 'missing')], /ENOENT/],
      [['--allow-origin', 'https://his.example/app'], /bare http\(s\) origin/],
      [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
      [['--timeout', '0'], /--timeout/],
      [['--static', join(dir, 'no-such-folder')], /--static .*not a folder/],
      [['--hsm', 'ftp://x'], /--hsm takes tcp:\/\/HOST:PORT, software or software:KEYFILE, got "ftp:\/\/x"/],
      [['--hsm', 'tcp://127.0.0.1:0'], /--hsm takes/],
      [['--hsm', 'tcp://127.0.0.1'], /--hsm takes/],
      [['--hsm', 'software:'], /needs the key file/],
      [['--hsm', `software:${join(dir, 'no-keys.json')}`], /cannot read the key file/],
    ];
    for (const [args, message] of cases) {
      const r = await run('serve', '--emulator', '--state', state, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run('serve', '--no-psam')).err).toMatch(/--no-psam applies to --emulator/);
    expect((await run('serve', '--state', state)).err).toMatch(/add --emulator/);
    // PC/SC: refused before the reader monitor starts.
    const software = await run('serve', '--hsm', 'software');
    expect([software.code, software.err.trim()]).toEqual([
      2,
      "sscard: --hsm software holds the emulated card's test keys: with PC/SC give --hsm software:KEYFILE",
    ]);
    expect(existsSync(state)).toBe(false);
    expect(existsSync(`${state}.lock`)).toBe(false);
  });
});

/** Starts the built `sscard serve` and waits for the line with its URL. */
async function startServe(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: REPO });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (output += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (output += t));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]), output: () => output };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sscard serve did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForText(output: () => string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!output().includes(text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

describe('sscard serve --emulator as a process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves the emulated card, logs without card data, and on ${signal} stops cleanly, releasing the state file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sscard-serve-'));
      const state = join(dir, 'card.json');
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, '0123456789abcdef0123\n');
      const { child, port, output } = await startServe(['--emulator', '--port', '0', '--state', state, '--token-file', tokenFile]);
      const done = exited(child);
      expect(output()).toMatch(/on the emulated card \(default\) and PSAM \(psam-default\); bearer token required; Ctrl-C stops/);
      await waitForText(output, 'readers now:');
      expect(output()).toContain(
        'sscard serve: readers now: "sscard emulator (dual interface)" (card, card in), "sscard emulator (PSAM)" (psam, card in)',
      );
      expect((await apiCall(port, { function: 'iReadCardBas', iType: 3 })).status).toBe(401);
      const answer = await apiCall(port, { function: 'iReadCardBas', iType: 3 }, { authorization: 'Bearer 0123456789abcdef0123' });
      expect(answer.json).toEqual({ function: 'iReadCardBas', code: 0, success: true, pOutInfo: expectedCardBas() });
      expect(existsSync(`${state}.lock`)).toBe(true);
      child.kill(signal);
      expect(await done).toBe(0);
      expect(output()).toContain(`sscard serve: stopped; card state saved to ${state}`);
      expect(output()).toMatch(/^http iReadCardBas iType=3 → 0 \(11 fields\) [\d.]+ ms$/m);
      expect(output()).not.toContain(expectedCardBas().split('|')[4]!);
      expect(output()).not.toContain('0123456789abcdef0123');
      expect(existsSync(`${state}.lock`)).toBe(false);
    });
  }
});

describe('sscard serve --emulator --no-psam --hsm software as a process', () => {
  it('warns that the HSM is for development, answers the plain functions and iDoDebit with the HSM, and logs no PIN nor HSM request', async () => {
    const { child, port, output } = await startServe(['--emulator', '--no-psam', '--hsm', 'software', '--port', '0']);
    const done = exited(child);
    expect(output()).toContain(
      'sscard serve: warning: --hsm software holds card master keys in this process: for development and tests only, never for real cards',
    );
    expect(output()).toMatch(/on the emulated card \(default\) and no PSAM, software HSM \(the emulated card's test keys\); Ctrl-C stops/);
    const basic = await apiCall(port, { function: 'iReadCardBas', iType: 3 });
    expect(basic.json).toEqual({ function: 'iReadCardBas', code: 0, success: true, pOutInfo: expectedCardBas('default', '000000000000') });
    const reload = await apiCall(port, { function: 'iReloadPIN', iType: 1, pCardInfo: cardInfo(), newPin: '864200' });
    expect(reload.json).toMatchObject({ code: 0 });
    expect((await apiCall(port, { function: 'iVerifyPIN', iType: 1, pin: '864200' })).json).toMatchObject({ code: 0 });
    // A purchase: MAC1 from the HSM and the card's MAC2 checked by it.
    const pay = { function: 'iDoDebit', iType: 1, pCardInfo: cardInfo(), pPayInfo: '1.00|1.00|20261130101500|', pin: '864200' };
    expect((await apiCall(port, pay)).json).toMatchObject({ code: 0, pOutInfo: expect.stringMatching(/^03\|017F\|.*\|000000000000\|/) });
    await waitForText(output, 'iDoDebit');
    child.kill('SIGTERM');
    expect(await done).toBe(0);
    expect(output()).toMatch(/^http iReloadPIN iType=1 pCardInfo=<\d+ chars> newPin=\*\*\* → 0 \(0 fields\) [\d.]+ ms$/m);
    // Neither the new PIN nor an HSM request (`03|0090|…`, `03|0173|…`) reaches the log.
    expect(output()).not.toContain('864200');
    expect(output()).not.toMatch(/\|0090\||\|0173\||\|0170\||\|017F\|/);
  });
});
