import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardEmulator } from '../../emulator/card-emulator.js';
import { CardStatus } from '../../emulator/card-status.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard } from '../../emulator/open-card.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { fromHex, toHex, toSpacedHex } from '../../src/bytes/hex.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

/**
 * Secrets never leave through the terminal's outputs: the cardholder PIN (a distinctive one set
 * for this test), a wrong PIN, the master keys of the key file and every key the card holds are
 * searched for — as digits, compact hex and spaced hex — in stdout, stderr, --json output,
 * JSON/JUnit reports and recorded transcripts of the CLI, and in the emulator's log.
 */
const PIN = '739182';
const NEW_PIN = '582947';
const WRONG = '418273';
const dir = mkdtempSync(join(tmpdir(), 'sscard-secrets-'));
const state = join(dir, 'card.state.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS_FILE = fileURLToPath(new URL('../../emulator/profiles/default.keys.json', import.meta.url));

function keyStrings(): string[] {
  const out = new Set<string>();
  const keysFile = JSON.parse(readFileSync(KEYS_FILE, 'utf8'));
  for (const set of Object.values(keysFile)) {
    if (typeof set !== 'object' || set === null) continue;
    for (const entry of Object.values(set as Record<string, { master: string }>)) out.add(entry.master.toUpperCase());
  }
  const card = new CardEmulator({ profile: loadProfile(resolveProfilePath('default')), logger: memoryLogger() });
  for (const df of card.context.mf.walk()) for (const key of df.keys) out.add(toHex(key.value));
  return [...out];
}
const KEYS = keyStrings();

/** Every way a secret could be written out. */
function forms(secret: string): string[] {
  const hex = secret.toUpperCase();
  const spaced = /^[0-9A-F]+$/.test(hex) && hex.length % 2 === 0 ? toSpacedHex(fromHex(hex)) : hex;
  return [hex, hex.toLowerCase(), spaced, spaced.toLowerCase()];
}

function expectNoSecret(text: string, where: string): void {
  for (const pin of [PIN, NEW_PIN, WRONG]) {
    expect(text.includes(pin), `${where} shows the PIN ${pin}:\n${text.slice(0, 2000)}`).toBe(false);
    // BCD of the PIN with spaces (73 91 82)
    expect(text.includes(toSpacedHex(fromHex(pin))), `${where} shows the PIN ${pin} as spaced BCD`).toBe(false);
  }
  for (const key of KEYS) for (const f of forms(key)) expect(text.includes(f), `${where} shows key material ${key}`).toBe(false);
}

async function cli(args: string[], stdin = ''): Promise<{ code: number; text: string }> {
  const io = memoryIo(stdin);
  const code = await runCli(args, io);
  return { code, text: `${io.text()}\n${io.errText()}` };
}

const E = ['--emulator', '--state', state];

beforeAll(async () => {
  // The test PIN replaces the published 123456 so a leak cannot hide among card data.
  expect((await cli(['pin', 'change', ...E, '--pin-stdin'], `123456\n${PIN}\n${PIN}\n`)).code).toBe(0);
});

describe('the CLI never prints a PIN or a key', () => {
  const runs: Array<[string, string[], string]> = [
    ['pin verify (right)', ['pin', 'verify', ...E, '--pin-stdin'], `${PIN}\n`],
    ['pin verify --json (right)', ['pin', 'verify', ...E, '--pin-stdin', '--json'], `${PIN}\n`],
    ['pin verify (wrong)', ['pin', 'verify', ...E, '--pin-stdin'], `${WRONG}\n`],
    ['pin verify --json (wrong)', ['pin', 'verify', ...E, '--pin-stdin', '--json'], `${WRONG}\n`],
    ['pin verify (malformed)', ['pin', 'verify', ...E, '--pin-stdin'], `${PIN}9\n`],
    ['pin status --json', ['pin', 'status', ...E, '--json'], ''],
    ['pin change (wrong old)', ['pin', 'change', ...E, '--pin-stdin'], `${WRONG}\n${NEW_PIN}\n${NEW_PIN}\n`],
    ['pin change (mismatch)', ['pin', 'change', ...E, '--pin-stdin', '--json'], `${PIN}\n${NEW_PIN}\n${WRONG}\n`],
    ['pin unblock', ['pin', 'unblock', ...E, '--keys', 'sample', '--json'], ''],
    ['pin reload', ['pin', 'reload', ...E, '--keys', 'sample', '--pin-stdin', '--json'], `${PIN}\n${PIN}\n`],
    ['info --json', ['info', ...E, '--json'], ''],
    ['medical balance', ['medical', 'balance', ...E, '--pin-stdin', '--json'], `${PIN}\n`],
    [
      'medical purchase',
      ['medical', 'purchase', '0.01', ...E, '--pin-stdin', '--keys', 'sample', '--terminal', '112233445566', '--yes', '--json'],
      `${PIN}\n`,
    ],
    [
      'medical purchase (wrong PIN)',
      ['medical', 'purchase', '0.01', ...E, '--pin-stdin', '--keys', 'sample', '--terminal', '112233445566', '--yes'],
      `${WRONG}\n`,
    ],
    ['medical load', ['medical', 'load', '0.01', ...E, '--pin-stdin', '--keys', 'sample', '--yes', '--json'], `${PIN}\n`],
    ['medical proof', ['medical', 'proof', 'purchase', '0', ...E, '--pin-stdin', '--json'], `${PIN}\n`],
    ['photo', ['photo', ...E, '--keys', 'sample', '-o', join(dir, 'photo.jpg'), '--json'], ''],
    ['purse load', ['purse', 'load', '1.00', ...E, '--keys', KEYS_FILE, '--yes', '--json'], ''],
    ['purse purchase', ['purse', 'purchase', '0.50', ...E, '--keys', KEYS_FILE, '--yes', '--json'], ''],
    ['send (VERIFY typed by hand)', ['send', ...E, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF', `0020000003${PIN}`], ''],
    ['send --json (VERIFY typed by hand)', ['send', ...E, '--json', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF', `0020000003${WRONG}`], ''],
    ['bad key file', ['photo', ...E, '--keys', join(dir, 'bad.keys.json')], ''],
  ];
  writeFileSync(join(dir, 'bad.keys.json'), JSON.stringify({ ssse: { '0A': { algorithm: 'sm4', master: `${KEYS[0]!.slice(0, 30)}ZZ` } } }));

  for (const [name, args, stdin] of runs) {
    it(name, async () => {
      const { code, text } = await cli(args, stdin);
      // The runs that must succeed did (a test that only sees refusals proves little).
      if (/right|status|info|balance|unblock|photo|purse|by hand\)$/.test(name)) expect(code, text).toBe(0);
      expectNoSecret(text, name);
    });
  }

  it('script runs: transcript, --verbose, --json, JUnit and --record never show the PIN', async () => {
    const script = join(dir, 'pin.script');
    writeFileSync(
      script,
      [
        'param $pin = 000000',
        'step "verify"',
        '00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF => 61XX',
        '00 20 00 00 03 $pin => 9000',
        '00 20 00 00 03 41 82 73 => 63CX',
        '00 20 00 00 03 $pin => 9000',
      ].join('\n'),
    );
    const junit = join(dir, 'junit.xml');
    const record = join(dir, 'record.txt');
    for (const extra of [['--verbose'], ['--json'], ['--junit', junit], ['--record', record]]) {
      const { code, text } = await cli(['run', ...E, '--param', `pin=${PIN}`, ...extra, script]);
      expect(code, text).toBe(0);
      expectNoSecret(text, `run ${extra[0]}`);
    }
    expectNoSecret(readFileSync(junit, 'utf8'), 'JUnit report');
    expectNoSecret(readFileSync(record, 'utf8'), 'recorded transcript');
  });

  it('the state file is the card memory (it holds the PIN) and is private to the user', () => {
    expect(existsSync(state)).toBe(true);
    if (process.platform !== 'win32') {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.state.json'))) {
        // 0600: the card's memory is readable by its owner only.
        const { mode } = statSync(join(dir, f));
        expect(mode & 0o077).toBe(0);
      }
    }
  });
});

describe('the emulator log never holds command data', () => {
  it('an internal error logs the command header only, not its data (a PIN, a cryptogram)', () => {
    const logger = memoryLogger();
    const card = openCard({
      profile: 'default',
      logger,
      commands: [
        {
          name: 'BROKEN',
          cla: [0x80],
          ins: 0x99,
          handler: () => {
            throw new TypeError('handler bug');
          },
        },
      ],
    });
    card.powerOn();
    expect(toHex(card.transmit(fromHex(`8099000003${PIN}`)))).toBe('6F00');
    expect(logger.lines.join('\n')).toContain('80 99 00 00');
    expectNoSecret(logger.lines.join('\n'), 'emulator log');
  });

  it('PIN checks, MACs and key authentications leave nothing in the log', () => {
    const logger = memoryLogger();
    const card = openCard({ profile: 'default', logger });
    card.powerOn();
    for (const hex of [
      '00A404000F7378312E73682EC9E7BBE1B1A3D5CF',
      `0020000003${WRONG}`,
      '0084000008',
      `0082000A10${KEYS[0]}`,
      '0084000008',
      `8424000004${KEYS[1]!.slice(0, 8)}`,
      `805E010007${WRONG}FF${PIN}`,
    ]) {
      card.transmit(fromHex(hex));
    }
    expectNoSecret(logger.lines.join('\n'), 'emulator log');
  });

  it('a CardStatus reason (internal) never reaches the terminal: only the SW', () => {
    const card = openCard({
      profile: 'default',
      logger: memoryLogger(),
      commands: [
        {
          name: 'REFUSE',
          cla: [0x80],
          ins: 0x98,
          handler: () => {
            throw new CardStatus(0x6982, `reason mentioning ${KEYS[0]}`);
          },
        },
      ],
    });
    expect(toHex(card.transmit(fromHex('8098000000')))).toBe('6982');
  });
});

describe('transcripts and reports mask secrets by what the command is, however its line was written', () => {
  /** Every report a run can write, as text: stdout (--verbose and --json), JUnit and the --record transcript. */
  async function everyReport(
    args: string[],
  ): Promise<{ code: number; reports: { text: string; json: string; junit: string; transcript: string } }> {
    const junit = join(dir, `junit-${Math.random().toString(36).slice(2)}.xml`);
    const record = join(dir, `record-${Math.random().toString(36).slice(2)}.txt`);
    const verbose = await cli(['run', '--verbose', '--junit', junit, '--record', record, ...args]);
    const json = await cli(['run', '--json', ...args]);
    expect(json.code, json.text).toBe(verbose.code);
    return {
      code: verbose.code,
      reports: { text: verbose.text, json: json.text, junit: readFileSync(junit, 'utf8'), transcript: readFileSync(record, 'utf8') },
    };
  }
  function expectAbsent(reports: Record<string, string>, secrets: string[]): void {
    for (const [where, text] of Object.entries(reports)) {
      for (const secret of secrets) {
        for (const f of forms(secret)) expect(text.includes(f), `${where} shows ${secret}:\n${text.slice(0, 3000)}`).toBe(false);
      }
    }
  }

  it('a literal PIN beside an expression, a PIN inside an expression, and literal-only lines (the issue 13 leak)', async () => {
    const script = join(dir, 'mixed-pin.script');
    writeFileSync(
      script,
      [
        '00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF',
        '$new = 582947',
        `80 5E 01 00 07 ${WRONG} FF \${concat($new)}`,
        `80 5E 01 00 07 \${concat(${WRONG}, FF, ${NEW_PIN})}`,
        `80 5E 01 00 07 ${WRONG} FF ${NEW_PIN}`,
      ].join('\n'),
    );
    const { code, reports } = await everyReport(['--emulator', '--state', join(dir, 'mixed.state.json'), script]);
    expect([0, 1], reports.text).toContain(code);
    expect(reports.transcript.match(/^> 80 5E 01 00 07 \*\* \*\* \*\* \*\* \*\* \*\* \*\*$/gm)).toHaveLength(3);
    expectNoSecret(Object.values(reports).join('\n'), 'reports of a script with literal PINs');
  });

  it('the shipped PIN life cycle: authentication, unblock, change and reload are masked in every report', async () => {
    const script = fileURLToPath(new URL('../../apdu-scripts/default/pin-lifecycle.script', import.meta.url));
    // Masking does not depend on the card's answers: a failed step still sent its command.
    const { code, reports } = await everyReport(['--emulator', script]);
    expect([0, 1], reports.text).toContain(code);
    expect(reports.transcript).toMatch(/^> 80 5E 01 00 07 \*\* \*\* \*\* \*\* \*\* \*\* \*\*$/m);
    expect(reports.transcript).toMatch(/^> 00 82 00 06 10( \*\*){16}$/m);
    const masters = readFileSync(script, 'utf8').match(/(?<=param \$\w+ = )[0-9A-F]{32}/g)!;
    expect(masters.length).toBeGreaterThan(0);
    expectAbsent(reports, ['123456', '654321', '999999', ...masters]);
  });

  it('a key given literally inside an expression (EXTERNAL AUTHENTICATE, as in the scripts README §4)', async () => {
    const key = '404142434445464748494A4B4C4D4E4F';
    const script = join(dir, 'external-auth.script');
    writeFileSync(
      script,
      [
        '00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF',
        '00 84 00 00 08 => 9000',
        `00 82 00 0A 08 \${des3_ecb(${key}, resp)} => 9000`,
        '00 B0 87 00 04 => A1 A2 A3 A4 9000',
      ].join('\n'),
    );
    const { code, reports } = await everyReport(['--emulator', '--profile', 'test-minimal', script]);
    expect([0, 1], reports.text).toContain(code);
    expect(reports.transcript).toMatch(/^> 00 82 00 0A 08 \*\* \*\* \*\* \*\* \*\* \*\* \*\* \*\*$/m);
    expectAbsent(reports, [key]);
  });

  it('a secret command whose data is only $variables is written as its line, and replays with --param', async () => {
    const script = join(dir, 'pin-param.script');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the script syntax, not a JS template
    const braced = '00 20 00 00 03 ${pin}';
    writeFileSync(script, ['00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF', `${braced} => 9000`, '00 20 00 00 03 $pin => 9000'].join('\n'));
    const { code, reports } = await everyReport(['--emulator', '--state', state, '--param', `pin=${PIN}`, script]);
    expect(code, reports.text).toBe(0);
    expect(reports.transcript).toContain(`> ${braced}\n`);
    expect(reports.transcript).toContain('> 00 20 00 00 03 $pin\n');
    expectNoSecret(Object.values(reports).join('\n'), 'reports of a $pin script');
    const transcript = join(dir, 'pin-param.transcript');
    writeFileSync(transcript, reports.transcript);
    const replay = await cli(['run', '--emulator', '--state', state, '--param', `pin=${PIN}`, '--replay', transcript]);
    expect(replay.code, replay.text).toBe(0);
  });
});

describe('sscard apdu masks a secret command like send does', () => {
  it('VERIFY with a PIN, CHANGE PIN and EXTERNAL AUTHENTICATE: the data bytes are not shown', async () => {
    for (const hex of [`0020000003${PIN}`, `805E010007${WRONG}FF${PIN}`, `0082000A10${KEYS[0]}`]) {
      for (const json of [[], ['--json']]) {
        const { code, text } = await cli(['apdu', hex, ...json]);
        expect(code, text).toBe(0);
        expectNoSecret(text, `sscard apdu ${json.join('')} ${hex.slice(0, 4)}`);
      }
    }
  });
});
