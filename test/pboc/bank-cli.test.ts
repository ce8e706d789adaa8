import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-bank-cli-'));
  state = join(dir, 'card.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function sscard(...args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.text(), err: io.errText() };
}
const card = (...extra: string[]) => ['--emulator', '--state', state, ...extra];

describe('sscard bank', () => {
  it('info: masked card number, name and dates; --unmasked; --json', async () => {
    const r = await sscard('bank', 'info', ...card());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Card number +621700\*{9}4565/);
    expect(r.out).toMatch(/Cardholder +ZHANG\/XIAOMING/);
    expect(r.out).toMatch(/Expires +2032-11-16/);
    expect((await sscard('bank', 'info', '--unmasked', ...card())).out).toMatch(/Card number +6217003303001234565/);
    const json = JSON.parse((await sscard('bank', 'info', '--json', ...card())).out);
    expect(json).toMatchObject({ pan: '621700*********4565', panMasked: true, expiryDate: '2032-11-16' });
  });

  it('balance, pay (contactless, --yes), log: one card across runs through the state file', async () => {
    expect((await sscard('bank', 'balance', ...card())).out).toMatch(
      /Balance +200\.00 yuan\nBalance limit +1000\.00 yuan\nNo-PIN limit +100\.00 yuan/,
    );
    const pay = await sscard('bank', 'pay', '12.34', '--yes', ...card('--contactless'));
    expect(pay.code).toBe(0);
    expect(pay.out).toMatch(/^approved: 12\.34 yuan \(TC [0-9A-F]{16}, ATC 1\); balance 187\.66 yuan\n$/);
    expect(JSON.parse((await sscard('bank', 'balance', '--json', ...card())).out).balanceFen).toBe(18766);
    const log = await sscard('bank', 'log', ...card());
    expect(log.out).toMatch(/^\d{4}-\d{2}-\d{2} +12\.34 yuan {2}ATC 1\n$/);
    const json = JSON.parse((await sscard('bank', 'log', '--json', ...card())).out);
    expect(json[0]).toMatchObject({ amountFen: 1234, atc: 1, currencyCode: '0156' });
  });

  it('pay refuses without --yes (exit 2), on the contact interface (exit 2), and reports a decline (exit 4)', async () => {
    const noYes = await sscard('bank', 'pay', '1', ...card('--contactless'));
    expect(noYes.code).toBe(2);
    expect(noYes.err).toMatch(/add --yes/);
    const contact = await sscard('bank', 'pay', '1', '--yes', ...card());
    expect(contact.code).toBe(2);
    expect(contact.err).toMatch(/contactless/);
    const declined = await sscard('bank', 'pay', '100.01', '--yes', '--json', ...card('--contactless'));
    expect(declined.code).toBe(4);
    expect(declined.err).toBe('sscard: the card declined the payment (over-single-limit)\n');
    expect(JSON.parse(declined.out)).toMatchObject({ approved: false, cryptogramType: 'AAC', declineReasons: ['over-single-limit'] });
    expect((await sscard('bank', 'pay', 'abc', '--yes', ...card('--contactless'))).code).toBe(2);
    expect(JSON.parse((await sscard('bank', 'balance', '--json', ...card())).out).balanceFen).toBe(20000);
  });

  it('a card without the bank application: exit 4 with a clear message', async () => {
    const r = await sscard('bank', 'balance', '--emulator', '--profile', 'ss-2.00');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/no PBOC financial \(UnionPay\) application/);
  });
});
