import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

const KEYS = 'emulator/profiles/default.keys.json';
let dir: string;
let card: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-purse-cli-'));
  card = ['--emulator', '--state', join(dir, 'card.json')];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], io = memoryIo()) {
  const code = await runCli(args, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard purse', () => {
  it('balance, load, purchase, log on the emulated card, kept in its state file', async () => {
    expect((await cli(['purse', 'balance', ...card])).out).toMatch(/Balance\s+50\.00 yuan/);
    const load = await cli(['purse', 'load', '20', ...card, '--keys', KEYS, '--yes']);
    expect(load.code).toBe(0);
    expect(load.out).toMatch(/Loaded 20\.00 yuan; balance 70\.00 yuan .*TAC [0-9A-F]{8} verified/);
    const pay = await cli(['purse', 'purchase', '2.5', ...card, '--contactless', '--keys', KEYS, '--yes', '--json']);
    expect(JSON.parse(pay.out)).toMatchObject({ amountFen: 250, balanceAfterFen: 6750, tacVerified: true });
    const log = await cli(['purse', 'log', ...card]);
    expect(log.out.split('\n')[0]).toMatch(/ATC\s+0 .* ep-purchase\s+-\s+2\.50/);
    expect(log.out.split('\n')[1]).toMatch(/ep-load\s+\+\s+20\.00/);
    const json = await cli(['purse', 'balance', ...card, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ balanceFen: 6750, balanceYuan: '67.50', card: { asn8: '0000360984273876' } });
    expect((await cli(['purse', 'trips', ...card])).out).toBe('no trips\n');
  });

  it('load and purchase need keys (the emulated card\'s by default), and --yes or a typed "yes"', async () => {
    expect((await cli(['purse', 'load', '20', ...card, '--keys', 'none', '--yes'])).err).toMatch(/--keys/);
    expect((await cli(['purse', 'load', '20', ...card, '--yes'])).out).toMatch(/Loaded 20\.00 yuan/);
    const noTty = await cli(['purse', 'load', '20', ...card, '--keys', KEYS]);
    expect(noTty.code).not.toBe(0);
    expect(noTty.err).toMatch(/add --yes/);
    const declined = memoryIo();
    declined.promptSecret = async () => 'no';
    expect((await cli(['purse', 'purchase', '1', ...card, '--keys', KEYS], declined)).err).toMatch(/not confirmed; nothing was sent/);
    const accepted = memoryIo();
    accepted.promptSecret = async () => 'yes';
    expect((await cli(['purse', 'purchase', '1', ...card, '--keys', KEYS], accepted)).out).toMatch(/Paid 1\.00 yuan; balance /);
  });

  it('card refusals come out as one line with the status word: over the limit, not enough money', async () => {
    const over = await cli(['purse', 'load', '950.01', ...card, '--keys', KEYS, '--yes']);
    expect(over.code).not.toBe(0);
    expect(over.err).toMatch(/^sscard: .*6A80/);
    const short = await cli(['purse', 'purchase', '50.01', ...card, '--keys', KEYS, '--yes']);
    expect(short.err).toMatch(/^sscard: .*9401/);
    expect((await cli(['purse', 'balance', ...card])).out).toMatch(/50\.00 yuan/);
  });

  it('a card without a purse says so', async () => {
    const r = await cli(['purse', 'balance', '--emulator', '--profile', 'ss-1.00']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no transport e-purse application/);
  });
});
