import { mkdtempSync, readFileSync } from 'node:fs';
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
const tmp = () => mkdtempSync(join(tmpdir(), 'sscard-cli-'));

describe('sscard info', () => {
  it('prints a readable card and cardholder from the emulator (the README main job)', async () => {
    const r = await run(['info', '--emulator']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Name\s+张晓明/);
    expect(r.out).toMatch(/Card number\s+C33012347/);
    expect(r.out).toMatch(/Card\s+genuine \(internal authentication with IRK passed\)/);
    expect(r.out).toMatch(/Name\s+张晓明/);
    expect(r.out).toMatch(/Spec version\s+3\.00/);
    expect(r.out).toMatch(/Issued \/ expires\s+2022-11-16 \/ 2032-11-16/);
  });
  it('prints JSON and the iReadCardBas line', async () => {
    const j = JSON.parse((await run(['info', '--emulator', '--profile', 'ss-1.00', '--json'])).out);
    expect(j.cardholder.name).toBe('王𠮷');
    expect(j.card.specVersion).toBe('1.00');
    const bas = (await run(['info', '--emulator', '--bas'])).out.trim();
    expect(bas.split('|')).toHaveLength(12);
    expect(bas).toBe(
      '330300|330302199001011235|C33012347|330300D15600000599110145A1B2C3D4|张晓明|0086221130991133030145A1B2|3.00|20221116|20321116|000000000000||',
    );
  });
  it('names an unknown profile in one line', async () => {
    const r = await run(['info', '--emulator', '--profile', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sscard: nope: no such card profile/);
  });
  it('refuses emulator options without --emulator', async () => {
    const r = await run(['info', '--profile', 'default']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/add --emulator/);
  });
});

describe('sscard pin', () => {
  it('walks the PIN life cycle with a state file', async () => {
    const state = join(tmp(), 'card.json');
    const t = ['--emulator', '--state', state, '--pin-stdin'];
    for (let i = 0; i < 6; i++) expect((await run(['pin', 'verify', ...t], '999999\n')).code).toBe(4);
    const blocked = await run(['pin', 'verify', ...t], '123456\n');
    expect(blocked.code).toBe(4);
    expect(blocked.err).toMatch(/6983/);
    expect((await run(['pin', 'status', '--emulator', '--state', state])).out).toMatch(/PIN blocked/);
    expect((await run(['pin', 'unblock', '--emulator', '--state', state, '--keys', 'sample'])).out).toMatch(/unblocked/);
    expect((await run(['pin', 'change', ...t], '123456\n654321\n654321\n')).code).toBe(0);
    expect((await run(['pin', 'verify', ...t], '123456\n')).code).toBe(4);
    expect((await run(['pin', 'verify', ...t], '654321\n')).out).toMatch(/PIN correct/);
  });
  it('rejects a PIN that is not 4–12 digits before touching the card, without echoing it', async () => {
    const r = await run(['pin', 'verify', '--emulator', '--pin-stdin'], '12a45\n');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/PIN must be 4 to 12 digits/);
    expect(r.err).not.toContain('12a45');
  });
  it('asks for --pin-stdin when there is no terminal', async () => {
    const r = await run(['pin', 'verify', '--emulator']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--pin-stdin/);
  });
  it("uses the emulated card's published test keys unless --keys says otherwise; a real reader needs --keys", async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-keys-')), 'card.json');
    const unblocked = await run(['pin', 'unblock', '--emulator', '--state', state, '--json']);
    expect(unblocked.code).toBe(0);
    expect(JSON.parse(unblocked.out)).toEqual({ unblocked: true, triesLeft: 6 });
    const keyless = await run(['info', '--emulator', '--keys', '/nonexistent/keys.json']);
    expect(keyless.code).toBe(2);
    expect(keyless.err).toMatch(/cannot read the key file/);
  });
  it('without keys prints what a keyless terminal can read and names what needs keys', async () => {
    const r = await run(['info', '--emulator', '--keys', 'none']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Card\s+not checked \(no keys\)/);
    expect(r.out).toMatch(/Card number\s+C33012347/);
    expect(r.out).toMatch(/Cardholder\s+needs keys: EF06 .*RKSSSE/);
    expect(r.out).not.toMatch(/张晓明/);
    const photo = await run([
      'photo',
      '--emulator',
      '--contactless',
      '--keys',
      'sample',
      '-o',
      join(mkdtempSync(join(tmpdir(), 'p-')), 'p.jpg'),
    ]);
    expect(photo.code).toBe(0);
  });
});

describe('sscard auth and block', () => {
  it('authenticates the card and a key by its specification name; an unknown key name is a usage error', async () => {
    expect((await run(['auth', 'card', '--emulator'])).out).toBe('card genuine: internal authentication with IRK passed\n');
    expect(JSON.parse((await run(['auth', 'external', 'rkssse', '--emulator', '--json'])).out)).toEqual({ authenticated: 'RKSSSE' });
    const bad = await run(['auth', 'external', 'MASTER', '--emulator']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown key "MASTER": one of UKSSSE, BK, PUK, RKSSSE/);
  });
  it('blocks the application for good after a confirmation; the card then answers 9303', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-block-')), 'card.json');
    const declined = memoryIo();
    declined.promptSecret = async () => 'no';
    expect(await runCli(['block', 'application', '--emulator', '--state', state], declined)).toBe(2);
    expect(declined.errText()).toMatch(/not confirmed; nothing was sent/);
    expect((await run(['info', '--emulator', '--state', state])).code).toBe(0);
    expect((await run(['block', 'application', '--emulator', '--state', state, '--yes'])).out).toMatch(/blocked for good/);
    const after = await run(['info', '--emulator', '--state', state]);
    expect(after.code).toBe(4);
    expect(after.err).toMatch(/permanently blocked: card answered 9303/);
  });
  it('blocks the whole card: every command then answers 6A81', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-block-')), 'card.json');
    expect((await run(['block', 'card', '--emulator', '--profile', 'ss-2.00', '--state', state, '--yes'])).code).toBe(0);
    const after = await run(['info', '--emulator', '--profile', 'ss-2.00', '--state', state]);
    expect(after.code).toBe(4);
    expect(after.err).toMatch(/6A81/);
  });
});

describe('sscard medical and photo', () => {
  it('reads the balance, pays and loads with --yes, shows the proof and the log', async () => {
    const state = join(tmp(), 'card.json');
    const t = ['--emulator', '--state', state, '--pin-stdin'];
    expect((await run(['medical', 'balance', ...t], '123456\n')).out).toMatch(/Balance\s+5238\.00 yuan/);
    const p = await run(
      [
        'medical',
        'purchase',
        '12.34',
        '--self-pay',
        '5',
        '--pooling',
        '20.00',
        '--terminal',
        '0000330300A1',
        '--keys',
        'sample',
        '--yes',
        ...t,
      ],
      '123456\n',
    );
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/Paid 12\.34 yuan; balance 5225\.66 yuan \(card sequence 0/);
    const tac = /TAC ([0-9A-F]{8})/.exec(p.out)![1];
    const proof = await run(['medical', 'proof', 'purchase', '0', ...t, '--json'], '123456\n');
    expect(JSON.parse(proof.out)).toMatchObject({ type: 'purchase', seq: 0, tac });
    const missing = await run(['medical', 'proof', 'purchase', '1', ...t], '123456\n');
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/no proof of purchase 1 \(9406\)/);
    const l = await run(['medical', 'load', '100', '--keys', 'sample', '--yes', ...t], '123456\n');
    expect(l.out).toMatch(/Loaded 100\.00 yuan; balance 5325\.66 yuan/);
    const balance = JSON.parse((await run(['medical', 'balance', ...t, '--json'], '123456\n')).out);
    expect(balance).toMatchObject({ accountFen: 532_566, selfPayFen: 500, poolingFen: 2000, insuranceType: '310' });
    const log = JSON.parse((await run(['medical', 'log', ...t, '--json'], '123456\n')).out);
    expect(log.map((r: { type: string }) => r.type)).toEqual(['load', 'purchase']);
    expect(log[1]).toMatchObject({ accountFen: 1234, selfPayFen: 500, poolingFen: 2000, terminalId: '0000330300A1' });
  });
  it('will not pay without confirmation', async () => {
    const r = await run(
      ['medical', 'purchase', '1', '--terminal', '0000330300A1', '--keys', 'sample', '--emulator', '--pin-stdin'],
      '123456\n',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/add --yes/);
  });
  it('writes the photo as a JPEG', async () => {
    const out = join(tmp(), 'p.jpg');
    const r = await run(['photo', '--emulator', '--keys', 'sample', '-o', out]);
    expect(r.code).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
  });
});

describe('sscard read and write (file addresses, card-spec §10.3)', () => {
  it('reads the grammar example, the n-th B-TLV record included', async () => {
    const r = await run(['read', 'SSSEEF05|01|07|$DF01EF15|2A|40:2|$', '--emulator', '--pin-stdin'], '123456\n');
    expect(r.code).toBe(0);
    // SSSE EF05: identifier, card number; DF01 EF15: education 21, the second degree 57 03 "300" …
    expect(r.out).toMatch(/^SSSEEF05\|330300D156000005[0-9A-F]{16}\|[0-9A-F]{18}\|\$DF01EF15\|21\|5703333030[0-9A-F]+\|\$\n$/);
  });
  it('without the PIN a "PIN or RK" file is read with the RK key; with --keys none it is refused', async () => {
    const byKey = await run(['read', 'DF01EF06|28|$', '--emulator', '--json']);
    expect(byKey.code).toBe(0);
    expect(JSON.parse(byKey.out)[0]).toMatchObject({ file: 'DF01EF06', items: [{ item: '28' }] });
    const none = await run(['read', 'DF01EF06|28|$', '--emulator', '--keys', 'none']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/needs the PIN or RK1DF01/);
  });
  it('writes with --yes and the UK key, and the card answers the new value', async () => {
    const state = join(tmp(), 'card.json');
    const w = await run(['write', 'DF01EF08|2B|$', '31', '--emulator', '--state', state, '--yes']);
    expect(w.code).toBe(0);
    const r = await run(['read', 'DF01EF08|2B|$', '--emulator', '--state', state, '--pin-stdin'], '123456\n');
    expect(r.out).toBe('DF01EF08|31|$\n');
    const bad = await run(['read', 'DF01EF08|2B|', '--emulator']);
    expect(bad.code).toBe(2);
  });
});
