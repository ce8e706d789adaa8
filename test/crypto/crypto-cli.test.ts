import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard crypto', () => {
  it('sm3 of hex', async () => {
    const r = await run('crypto', 'sm3', '12 34 56');
    expect(r).toMatchObject({ code: 0, out: '3DE741F445DD357BEA4E6C3FE6437036F62B5E3EC0F00D62796EDB4305ED627F\n' });
  });

  it('sm4 encrypt/decrypt, ecb and cbc', async () => {
    const key = '0123456789ABCDEFFEDCBA9876543210';
    const enc = await run('crypto', 'sm4', 'encrypt', '--key', key, key);
    expect(enc.out).toBe('681EDF34D206965E86B3E94F536E4246\n');
    const dec = await run('crypto', 'sm4', 'decrypt', '--key', key, '681EDF34D206965E86B3E94F536E4246', '--json');
    expect(JSON.parse(dec.out)).toEqual({ result: key });
    const cbc = await run(
      'crypto',
      'sm4',
      'encrypt',
      '--key',
      key,
      '--mode',
      'cbc',
      '--iv',
      '00'.repeat(16),
      '--padding',
      'iso9797-m2',
      'AA',
    );
    expect(cbc.code).toBe(0);
    const back = await run(
      'crypto',
      'sm4',
      'decrypt',
      '--key',
      key,
      '--mode',
      'cbc',
      '--iv',
      '00'.repeat(16),
      '--padding',
      'iso9797-m2',
      cbc.out.trim(),
    );
    expect(back.out).toBe('AA\n');
    const bad = await run('crypto', 'sm4', 'encrypt', '--key', 'AABB', key);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^sscard: sm4Key: expected 16 bytes, got 2/);
  });

  it('sm2 keygen → sign → verify, with a custom id; a wrong id exits 1', async () => {
    const keys = JSON.parse((await run('crypto', 'sm2', 'keygen', '--pem', '--json')).out) as Record<string, string>;
    const sig = (await run('crypto', 'sm2', 'sign', '--key', keys.privateKeyPem!, '--id', 'alice', 'CAFE')).out.trim();
    expect((await run('crypto', 'sm2', 'verify', '--key', keys.publicKey!, '--signature', sig, '--id', 'alice', 'CAFE')).code).toBe(0);
    const wrong = await run('crypto', 'sm2', 'verify', '--key', keys.publicKeyPem!, '--signature', sig, 'CAFE');
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('INVALID');
    // A stated format is used as stated: a DER signature read as raw is malformed (exit 2).
    expect(
      (await run('crypto', 'sm2', 'verify', '--key', keys.publicKey!, '--signature', sig, '--id', 'alice', '--format', 'der', 'CAFE')).code,
    ).toBe(0);
    const raw = (await run('crypto', 'sm2', 'sign', '--key', keys.privateKeyPem!, '--format', 'raw', 'CAFE')).out.trim();
    expect((await run('crypto', 'sm2', 'verify', '--key', keys.publicKey!, '--signature', raw, '--format', 'raw', 'CAFE')).code).toBe(0);
    expect((await run('crypto', 'sm2', 'verify', '--key', keys.publicKey!, '--signature', raw, '--format', 'der', 'CAFE')).code).toBe(2);
    expect((await run('crypto', 'sm2', 'verify', '--key', keys.publicKey!, '--signature', raw, '--format', 'pem', 'CAFE')).code).toBe(2);
    const pub = await run('crypto', 'sm2', 'public', '--key', keys.privateKey!);
    expect(pub.out.trim()).toBe(keys.publicKey);
  });

  it('mac for each algorithm; missing challenge is a usage error', async () => {
    const key = '0123456789ABCDEFFEDCBA9876543210';
    for (const [alg, extra, len] of [
      ['pboc-3des', ['--challenge', '1122334455667788'], 8],
      ['sm4', ['--challenge', '1122334455667788'], 8],
      ['retail', [], 16],
      ['x919', [], 16],
    ] as const) {
      const r = await run('crypto', 'mac', '--alg', alg, '--key', key, ...extra, '0482000A10');
      expect(r.code).toBe(0);
      expect(r.out.trim()).toHaveLength(len);
    }
    expect((await run('crypto', 'mac', '--alg', 'epurse', '--key', '0011223344556677', '000003E8')).out.trim()).toHaveLength(8);
    const missing = await run('crypto', 'mac', '--alg', 'sm4', '--key', key, '00');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--challenge is required/);
  });

  it('says SM2 needs WebAssembly when Node runs without it (--jitless), in one line, exit 2', () => {
    // The built CLI (npm test builds first), in a process of its own: the flag is per process.
    const r = spawnSync(process.execPath, ['--jitless', 'bin/sscard.js', 'crypto', 'sm2', 'keygen'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    const ours = r.stderr.split('\n').filter((line) => line.startsWith('sscard:'));
    expect(ours).toEqual(['sscard: sm2: SM2 needs WebAssembly, which this Node.js process has turned off (started with --jitless?)']);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    // SM3 and SM4 do not need it.
    const sm3 = spawnSync(process.execPath, ['--jitless', 'bin/sscard.js', 'crypto', 'sm3', '616263'], { encoding: 'utf8' });
    expect(sm3.status).toBe(0);
    expect(sm3.stdout).toBe('66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0\n');
  });
});
