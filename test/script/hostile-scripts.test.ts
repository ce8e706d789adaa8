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

describe('script functions refuse numbers that do not fit, and lengths out of range', () => {
  const cases: [string, string][] = [
    ['u8(256)', 'u8(): number 256 is out of range 0 to 255'],
    ['u16(65536)', 'u16(): number 65536 is out of range 0 to 65535'],
    ['u32(4294967296)', 'u32(): number 4294967296 is out of range 0 to 4294967295'],
    ['amount(99999999999)', 'amount(): amount in fen 99999999999 is out of range 0 to 4294967295'],
    ['amount("99999999999.00")', 'amount(): amount in fen 9999999999900 is out of range 0 to 4294967295'],
    ['n12(1000000000000)', 'n12(): amount in fen 1000000000000 is out of range 0 to 999999999999'],
    // Lengths and counts: once internal errors (a huge allocation, a division by zero).
    ['pad80(01, 0)', 'pad80(): block size 0 is out of range 1 to 255'],
    ['random(100000000000)', 'random(): length 100000000000 is out of range 0 to 65535'],
    ['bcd("12", 100000)', 'bcd(): length 100000 is out of range 0 to 65535'],
    ['cn(1, 70000)', 'cn(): length 70000 is out of range 0 to 65535'],
    ['an("x", 100000000000)', 'an(): length 100000000000 is out of range 0 to 65535'],
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

describe('nesting is bounded: one line naming the limit, exit 2, never a stack overflow', () => {
  const oneErrorLine = (r: { code: number; err: string }) => {
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/internal error|call stack/i);
  };

  it('a 2000-deep expression', async () => {
    const path = file('deep-expr.script', `step "s"\nassert ${'('.repeat(2000)}01${')'.repeat(2000)} == 01\n`);
    const r = await sscard('run', '--emulator', '--profile', 'test-minimal', path);
    oneErrorLine(r);
    expect(r.err).toMatch(/deep-expr\.script:2:\d+: expected an expression nested at most 64 levels deep .*, found level 65/);
  });

  it('64 levels of parentheses, calls and slices are fine; 65 are refused at the 65th', async () => {
    // ${…} and 62 calls are 63 levels, the slice the 64th; a second slice is the 65th.
    const nest = (inner: string) => `${'concat('.repeat(62)}${inner}${')'.repeat(62)}`;
    const fits = file('fits-expr.script', `step "s"\nassert \${${nest('0102[0:1]')}} == 01\n`);
    expect((await sscard('run', '--emulator', '--profile', 'test-minimal', fits)).code).toBe(0);
    const over = file('over-expr.script', `step "s"\nassert \${${nest('0102[0:1][0]')}} == 01\n`);
    const r = await sscard('run', '--emulator', '--profile', 'test-minimal', over);
    oneErrorLine(r);
    expect(r.err).toContain(
      `over-expr.script:2:${'assert ${'.length + 'concat('.length * 62 + '0102[0:1]'.length + 1}: expected an expression nested at most 64 levels deep`,
    );
  });

  it('a 3000-long include chain', async () => {
    for (let i = 0; i < 3000; i++) file(`chain${i}.inc`, `include chain${i + 1}.inc\n`);
    file('chain3000.inc', '00 A4 00 00 02 3F00\n');
    const path = file('chain.script', 'include chain0.inc\n');
    const r = await sscard('run', '--emulator', '--profile', 'test-minimal', path);
    oneErrorLine(r);
    expect(r.err).toMatch(/chain31\.inc:1:\d+: expected includes nested at most 32 deep, found include 33 levels down/);
  });

  it('3000 nested repeat blocks', async () => {
    const path = file('repeats.script', `${'repeat 1\n'.repeat(3000)}00 A4 00 00 02 3F00\n${'end\n'.repeat(3000)}`);
    const r = await sscard('run', '--emulator', '--profile', 'test-minimal', path);
    oneErrorLine(r);
    expect(r.err).toMatch(/repeats\.script:65:1: expected repeat blocks nested at most 64 deep/);
  });

  it('sscard tlv of a 3000-deep TLV', async () => {
    let tlv = '0400';
    for (let i = 0; i < 3000; i++) {
      const n = tlv.length / 2;
      const length =
        n < 0x80
          ? n.toString(16).padStart(2, '0')
          : n < 0x100
            ? `81${n.toString(16).padStart(2, '0')}`
            : `82${n.toString(16).padStart(4, '0')}`;
      tlv = `30${length}${tlv}`;
    }
    const r = await sscard('tlv', tlv);
    oneErrorLine(r);
    expect(r.err).toMatch(/^sscard: TLV: nesting deeper than 64 levels at offset \d+\n$/);
  });
});
