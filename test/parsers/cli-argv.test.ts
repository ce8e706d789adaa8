import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

/**
 * Hostile command lines: random commands, options and values (wrong hex, wrong amounts, missing
 * files, unknown options, odd unicode). Exit codes are the documented 0–5 (README), never 70
 * (a bug); no stack trace; an sscard error is exactly one line `sscard: …`. Card commands always
 * target the emulator here (never a PC/SC reader: other tests own the virtual slots).
 */
const dir = mkdtempSync(join(tmpdir(), 'sscard-argv-'));
// Random values land after -o/--out/--state/--junit too: relative paths must resolve in the temp dir.
const home = process.cwd();
beforeAll(() => process.chdir(dir));
afterAll(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});
const badKeys = join(dir, 'bad-keys.json');
writeFileSync(badKeys, '{ "ssse": { "0A": { "algorithm": "rot13", "master": "zz" } } }');
const notJson = join(dir, 'not.json');
writeFileSync(notJson, 'not json {');
const badScript = join(dir, 'bad.script');
writeFileSync(badScript, 'send 00A4 04\nexpect 90 00 ??\n');

const LOCAL = [
  ['sw'],
  ['tlv'],
  ['apdu'],
  ['atr'],
  ['crypto', 'sm3'],
  ['crypto', 'sm4', 'encrypt'],
  ['crypto', 'sm4', 'decrypt'],
  ['crypto', 'mac'],
  ['crypto', 'sm2', 'verify'],
];
const CARD = [
  ['info'],
  ['pin', 'verify'],
  ['pin', 'status'],
  ['pin', 'change'],
  ['pin', 'unblock'],
  ['pin', 'reload'],
  ['medical', 'balance'],
  ['medical', 'purchase'],
  ['medical', 'load'],
  ['medical', 'proof'],
  ['medical', 'log'],
  ['read'],
  ['write'],
  ['photo'],
  ['send'],
  ['run'],
  ['bank', 'info'],
  ['bank', 'balance'],
  ['bank', 'pay'],
  ['purse', 'balance'],
  ['purse', 'load'],
  ['purse', 'purchase'],
  ['pki', 'certs'],
  ['pki', 'sign'],
];
const VALUES = [
  '',
  '-',
  '--',
  '0',
  '-1',
  '1.00',
  '0.001',
  '99999999999',
  'NaN',
  '1e9',
  'zz',
  '00A4040000',
  '63C2',
  '6F 0A 84 08',
  '9F0206000000000100',
  'A'.repeat(5000),
  '社会保障卡',
  '\u0000',
  '112233445566',
  '1122',
  'default',
  'ss-2.00',
  'no-such-profile',
  'sample',
  badKeys,
  notJson,
  badScript,
  join(dir, 'missing', 'x.json'),
  join(dir, 'out.bin'),
];
const OPTIONS = [
  '--json',
  '--profile',
  '--state',
  '--contactless',
  '--pin-stdin',
  '--keys',
  '--terminal',
  '--yes',
  '--bas',
  '--out',
  '-o',
  '--dict',
  '--timeout',
  '--bogus',
  '-x',
  '--help',
  '--version',
  '--mode',
  '--iv',
  '--key',
];

/** Mostly plausible command lines (so commands run deep), with hostile values in between. */
const PAIRS = [
  ['--keys', 'sample'],
  ['--terminal', '112233445566'],
  ['--profile', 'ss-2.00'],
  ['--profile', 'default'],
  ['--json'],
  ['--contactless'],
  ['--yes'],
  ['--pin-stdin'],
  ['--bas'],
  ['--dict', 'emv'],
];
const plausible = fc
  .tuple(
    fc.constantFrom(...LOCAL, ...CARD.map((c) => [...c, '--emulator'])),
    fc.array(
      fc.constantFrom(
        '1.00',
        '0.50',
        '123456',
        '00A4040000',
        '6F0A8408A000000632010105',
        '63C2',
        '3B6D0000008686053399110145A1B2C3D4',
        ...VALUES,
      ),
      { maxLength: 2 },
    ),
    fc.uniqueArray(fc.constantFrom(...PAIRS), { maxLength: 5 }),
  )
  .map(([command, positional, pairs]) => [...command, ...positional, ...pairs.flat()]);

const chaotic = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...LOCAL),
      fc.constantFrom(...CARD).map((c) => [...c, '--emulator']),
    ),
    fc.array(fc.oneof(fc.constantFrom(...OPTIONS), fc.constantFrom(...VALUES), fc.string({ maxLength: 12 })), { maxLength: 6 }),
  )
  .map(([command, rest]) => [...command, ...rest]);

/** Command lines that run all the way on the emulated card; one argument is then replaced by a hostile value. */
const DEEP = [
  ['info', '--emulator', '--json'],
  ['info', '--emulator', '--profile', 'ss-2.00', '--bas'],
  ['pin', 'verify', '--emulator', '--pin-stdin', '--json'],
  ['pin', 'status', '--emulator', '--json'],
  ['pin', 'change', '--emulator', '--pin-stdin'],
  ['medical', 'balance', '--emulator', '--pin-stdin', '--json'],
  ['medical', 'purchase', '1.00', '--emulator', '--pin-stdin', '--keys', 'sample', '--terminal', '112233445566', '--yes', '--json'],
  ['medical', 'load', '1.00', '--emulator', '--pin-stdin', '--keys', 'sample', '--yes'],
  ['medical', 'proof', 'purchase', '0', '--emulator', '--pin-stdin'],
  ['medical', 'log', '--emulator', '--pin-stdin'],
  ['read', 'SSSEEF05|01|07|$DF01EF15|2A|40:2|$', '--emulator', '--pin-stdin', '--json'],
  ['write', 'DF01EF08|2B|$', '31', '--emulator', '--yes'],
  ['photo', '--emulator', '--keys', 'sample', '-o', join(dir, 'p.jpg')],
  ['send', '--emulator', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '0084000008', '--json'],
  ['purse', 'balance', '--emulator', '--json'],
  ['purse', 'load', '10.00', '--emulator', '--keys', 'sample', '--json'],
  ['purse', 'purchase', '1.00', '--emulator', '--keys', 'sample', '--json'],
  ['bank', 'balance', '--emulator', '--contactless', '--json'],
  ['tlv', '6F0A8408A000000632010105', '--json'],
  ['apdu', '00A4040008A000000632010105', '--json'],
  ['atr', '3B6D0000008686053399110145A1B2C3D4', '--json'],
  ['crypto', 'sm3', '616263', '--json'],
];
const deep = fc
  .tuple(fc.constantFrom(...DEEP), fc.option(fc.tuple(fc.nat(), fc.constantFrom(...VALUES)), { freq: 2 }))
  .map(([line, edit]) => {
    if (edit === null) return line;
    const out = [...line];
    const at = 1 + (edit[0] % (out.length - 1));
    if (out[at] !== '--emulator') out[at] = edit[1];
    return out;
  });

const argv = fc
  .oneof(deep, plausible, chaotic)
  // Options that would leave the emulator for a PC/SC reader or a file outside the temp dir.
  .filter((a) => !a.some((x) => x === '-r' || x.startsWith('--reader')));

const codes: Record<number, number> = {};
describe('sscard argv fuzz', () => {
  it('random command lines: exit 0–5, no stack trace, sscard errors in one line', async () => {
    await fc.assert(
      fc.asyncProperty(argv, fc.constantFrom('', '123456\n', '123456\n654321\n654321\n', 'zz\n', '1\n'.repeat(20)), async (args, stdin) => {
        const io = memoryIo(stdin);
        const code = await runCli(args, io);
        codes[code] = (codes[code] ?? 0) + 1;
        const err = io.errText();
        const context = `sscard ${args.map((a) => JSON.stringify(a.slice(0, 40))).join(' ')} → ${code}\n${err.slice(0, 500)}`;
        expect([0, 1, 2, 3, 4, 5], context).toContain(code);
        expect(err, context).not.toMatch(/^\s+at .+:\d+/m);
        expect(err, context).not.toMatch(/internal error/);
        if (err.startsWith('sscard:')) expect(err.trimEnd().split('\n'), context).toHaveLength(1);
        if (code !== 0) expect(err.length, context).toBeGreaterThan(0);
      }),
      { numRuns: 600 },
    );
    // Both ends were reached: commands that ran to success and refusals.
    expect(codes[0]).toBeGreaterThan(20);
    expect(codes[2]).toBeGreaterThan(20);
  }, 120_000);
});
