// Scripts a careless or hostile author could write: each ends in one line naming the place and the
// limit, exit 2, and nothing wrong sent to the card.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

async function sscard(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

const dir = mkdtempSync(join(tmpdir(), 'sscard-hostile-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('script number functions refuse values that do not fit', () => {
  const cases: [string, string][] = [
    ['u8(256)', 'u8(): number 256 is out of range 0 to 255'],
    ['u16(65536)', 'u16(): number 65536 is out of range 0 to 65535'],
    ['u32(4294967296)', 'u32(): number 4294967296 is out of range 0 to 4294967295'],
    ['amount(99999999999)', 'amount(): amount in fen 99999999999 is out of range 0 to 4294967295'],
    ['amount("99999999999.00")', 'amount(): amount in fen 9999999999900 is out of range 0 to 4294967295'],
    ['n12(1000000000000)', 'n12(): amount in fen 1000000000000 is out of range 0 to 999999999999'],
  ];
  for (const [call, message] of cases) {
    it(`${call} stops the run with exit 2 at file:line:column`, async () => {
      const path = file(`${call.replace(/\W/g, '_')}.script`, `step "s"\n00 A4 00 00 02 3F00\n00 A4 04 00 \${${call}}\n`);
      const r = await sscard('run', '--emulator', '--profile', 'test-minimal', path);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`sscard: ${path}:3:15: ${message}\n`);
    });
  }

  it('the largest values that fit are still encoded', async () => {
    const path = file(
      'fits.script',
      'step "s"\nassert concat(u8(255), u16(65535), u32(4294967295), amount(4294967295), n12(999999999999)) == FF FFFF FFFFFFFF FFFFFFFF 999999999999\n',
    );
    const r = await sscard('run', '--emulator', '--profile', 'test-minimal', path);
    expect(r.err).toBe('');
    expect(r.code, r.out).toBe(0);
  });
});
