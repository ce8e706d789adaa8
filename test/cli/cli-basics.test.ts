import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard sw', () => {
  it('says a wrong PIN with 2 tries left for 63C2', async () => {
    const r = await run('sw', '63C2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('wrong PIN, 2 tries left');
    expect(r.out).toContain('还可尝试 2 次');
  });
  it('says the PIN is blocked for 6983', async () => {
    expect((await run('sw', '6983')).out).toMatch(/PIN blocked/);
  });
  it('prints JSON with the tries left', async () => {
    const r = await run('sw', '63 C1', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ hex: '63C1', triesLeft: 1 });
  });
  it('rejects a bad status word with one line and exit 2', async () => {
    const r = await run('sw', '123');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^sscard: status word/);
  });
});

describe('sscard tlv', () => {
  it('decodes a PBOC FCI with nested A5/BF0C/61', async () => {
    const r = await run('tlv', '6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50424F43204445424954870101');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^6F 30 {2}File Control Information/);
    expect(lines).toContain('  A5 1E  FCI Proprietary Template');
    expect(lines).toContain('    BF0C 1B  FCI Issuer Discretionary Data');
    expect(lines).toContain('      61 19  Application Template');
    expect(r.out).toMatch(/ {8}4F 08 {2}Application Identifier \(AID\): A0 00 00 03 33 01 01 01/);
  });
  it('prints JSON and reports truncated data with its offset', async () => {
    const j = await run('tlv', '9F79 06 000000012345', '--json');
    expect(JSON.parse(j.out)[0]).toMatchObject({ tag: '9F79', text: '123.45 yuan' });
    const bad = await run('tlv', '6F05840312');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/at offset \d+/);
  });
});

describe('sscard apdu', () => {
  it('names a SELECT by DF name and shows the name as sx1.sh.社会保障', async () => {
    const r = await run('apdu', '00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
    expect(r.code).toBe(0);
    expect(r.out).toContain('SELECT by DF name');
    expect(r.out).toContain('"sx1.sh.社会保障"');
    expect(r.out).toContain('case 3S');
    expect(r.out).toContain('Le  absent');
  });
  it('explains case 2 with Le 00 as 256 and READ RECORD by SFI', async () => {
    const r = await run('apdu', '00 B2 01 2C 00', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ name: 'READ RECORD record 1 of SFI 5', case: '2S', le: 256 });
  });
  it('rejects a malformed APDU in one line', async () => {
    const r = await run('apdu', '00A4040005 0102');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sscard: malformed APDU: Lc=5 but 2 bytes follow/);
  });
  it('unknown commands and options are usage errors, not crashes', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('sw', '9000', '--bogus')).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
  });
});
