import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

async function run(argv: string[], stdin = '') {
  const io = memoryIo(stdin);
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard psam info', () => {
  it('prints the emulated PSAM: terminal number, serial, key versions', async () => {
    const r = await run(['psam', 'info', '--emulator']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Terminal number\s+330300000001/);
    expect(r.out).toMatch(/PSAM serial\s+33030000000000000001/);
    expect(r.out).toMatch(/City keys\s+purchase key 1, authentication key 1, valid 20240101–20341231/);
    const j = JSON.parse((await run(['psam', 'info', '--emulator', '--json'])).out);
    expect(j).toMatchObject({ terminalNumber: '330300000001', terminalSeq: 1, keyVersions: { city: { purchaseKeyVersion: 1 } } });
  });

  it('says so in one line when the card is no PSAM', async () => {
    const r = await run(['psam', 'info', '--emulator', '--profile', 'default']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^sscard: .*PSAM/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('sscard emulate --psam', () => {
  it('refuses --psam-state without --psam and --psam together with a second card (same slot), before opening anything', async () => {
    const alone = await run(['emulate', '--psam-state', '/tmp/x.json', '--for', '1']);
    expect([alone.code, alone.err]).toEqual([2, 'sscard: --psam-state needs --psam\n']);
    const both = await run(['emulate', '--psam', '--second-profile', 'default', '--for', '1']);
    expect([both.code, both.err]).toEqual([2, 'sscard: --psam and --second-profile both use the next slot: give one of them\n']);
    expect((await run(['emulate', '--help'])).out).toMatch(/--psam \[profile\][\s\S]*Virtual PCD 00 01/);
  });
});

describe('--psam-emulator: the terminal keys in a PSAM instead of a key file', () => {
  it('authenticates the card and reads the cardholder (info), and EXTERNAL AUTHENTICATE with RKSSSE (auth)', async () => {
    const info = await run(['info', '--emulator', '--psam-emulator']);
    expect(info.err).toBe('');
    expect(info.out).toMatch(/Card\s+genuine \(internal authentication with IRK passed\)/);
    expect(info.out).toMatch(/Name\s+张晓明/);
    expect((await run(['auth', 'card', '--emulator', '--psam-emulator'])).out).toMatch(/card genuine/);
    expect((await run(['auth', 'external', 'RKSSSE', '--emulator', '--psam-emulator'])).out).toBe('authenticated with RKSSSE\n');
  });

  it('reloads and unblocks the PIN (PUK and STK in the PSAM)', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-psam-cli-')), 'card.json');
    const card = ['--emulator', '--state', state];
    expect((await run(['pin', 'reload', ...card, '--psam-emulator', '--pin-stdin'], '246810\n246810\n')).out).toBe('PIN reloaded\n');
    expect((await run(['pin', 'verify', ...card, '--pin-stdin'], '246810\n')).code).toBe(0);
    expect((await run(['pin', 'unblock', ...card, '--psam-emulator'])).out).toBe('PIN unblocked: 6 tries\n');
  });

  it('pays from the medical account with the PSAM computing MAC1 and checking MAC2 (medical purchase)', async () => {
    const r = await run(['medical', 'purchase', '12.34', '--emulator', '--psam-emulator', '--yes', '--pin-stdin'], '123456\n');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Paid 12\.34 yuan; balance 5225\.66 yuan \(card sequence \d+, terminal sequence 1\)/);
  });

  it('refuses a PSAM together with --keys, both PSAM options, and keys the PSAM does not hold', async () => {
    const both = await run(['auth', 'card', '--emulator', '--psam-emulator', '--keys', 'sample']);
    expect([both.code, both.err]).toEqual([2, 'sscard: --keys and a PSAM exclude each other: the PSAM holds the keys\n']);
    expect((await run(['auth', 'card', '--emulator', '--psam-emulator', '--psam', 'x'])).err).toMatch(/exclude each other/);
    const bk = await run(['block', 'card', '--emulator', '--psam-emulator', '--yes']);
    expect([bk.code, bk.err]).toEqual([2, 'sscard: no key "BK" (the PSAM holds no such key) in the key set\n']);
  });

  it('lists the PSAM options in --help', async () => {
    const help = await run(['pin', 'reload', '--help']);
    expect(help.out).toMatch(/--psam <reader>/);
    expect(help.out).toMatch(/--psam-emulator/);
  });
});
