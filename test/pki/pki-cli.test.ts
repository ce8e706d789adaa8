// `sscard pki certs|sign`, in process against the emulated default card, checked with openssl.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/applications/pki/pki-certificate.js';
import { fromHex } from '../../src/bytes/hex.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { sm2PublicKeyToPem, sm2Verify } from '../../src/crypto/index.js';
import { DISTID, opensslStatus, scratch, TEST_PKI } from './pki-test-helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const CA = join(TEST_PKI, 'ca.crt');

async function run(argv: string[], stdin = '', promptSecret?: (q: string) => Promise<string>) {
  const io = memoryIo(stdin);
  if (promptSecret) io.promptSecret = promptSecret;
  const code = await runCli(argv, io);
  return { code, out: io.text(), err: io.errText() };
}

describe('sscard pki certs', () => {
  it('lists both certificates and checks them against the CA', async () => {
    const r = await run(['pki', 'certs', '--emulator', '--ca', CA]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/signature certificate \(EF 0018\)/);
    expect(r.out).toMatch(/encryption certificate \(EF 0019\)/);
    expect(r.out).toMatch(/Subject\s+C=CN, O=sscard test, OU=Social Security Card \(TEST\), CN=张晓明/);
    expect(r.out.match(/Issued by the given CA: yes/g)).toHaveLength(2);
  });

  it('--json and --out: files openssl reads and verifies', async () => {
    const out = join(tmp.dir, 'certs');
    const r = await run(['pki', 'certs', '--emulator', '--json', '--out', out, '--ca', CA]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.map((c: { role: string }) => c.role)).toEqual(['signature', 'encryption']);
    expect(json[0]).toMatchObject({ fileId: '0018', serial: '1001', issuedByCa: true, notAfter: '2032-11-16T00:00:00.000Z' });
    for (const stem of ['sign', 'enc']) {
      expect(opensslStatus(['x509', '-in', join(out, `${stem}.crt`), '-noout', '-text'])).toBe(0);
      expect(opensslStatus(['x509', '-inform', 'DER', '-in', join(out, `${stem}.der`), '-noout'])).toBe(0);
      expect(opensslStatus(['verify', '-vfyopt', DISTID, '-CAfile', CA, join(out, `${stem}.crt`)])).toBe(0);
    }
  });

  it('a card without the PKI application is one error line', async () => {
    const r = await run(['pki', 'certs', '--emulator', '--profile', 'ss-2.00']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^sscard: this card has no PKI/);
  });
});

describe('sscard pki sign', () => {
  it('signs hex data with --pin-stdin; openssl verifies the --out signature with the certificate key', async () => {
    const sigFile = join(tmp.dir, 'sig.der');
    const r = await run(['pki', 'sign', '48656c6c6f', '--emulator', '--pin-stdin', '--json', '--out', sigFile], '123456\n');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('123456"');
    const json = JSON.parse(r.out);
    const data = new TextEncoder().encode('Hello');
    expect(sm2Verify(fromHex(json.publicKey), data, fromHex(json.signature))).toBe(true);
    const cert = parseCertificate(readFileSync(join(TEST_PKI, 'default/sign.crt'), 'utf8'));
    expect(json.publicKey).toBe(cert.publicKey);
    const pub = tmp.file(sm2PublicKeyToPem(fromHex(json.publicKey)));
    expect(opensslStatus(['dgst', '-sm3', '-verify', pub, '-sigopt', DISTID, '-signature', sigFile, tmp.file(data)])).toBe(0);
  });

  it('signs a file with another user id; prompts for the PIN when there is a terminal', async () => {
    const file = tmp.file('a document to sign\n');
    const prompts: string[] = [];
    const r = await run(['pki', 'sign', '--file', file, '--user-id', 'alice@example.com', '--emulator', '--json'], '', async (q) => {
      prompts.push(q);
      return '123456';
    });
    expect(r.code).toBe(0);
    expect(prompts).toEqual(['PKI user PIN: ']);
    const json = JSON.parse(r.out);
    expect(sm2Verify(fromHex(json.publicKey), readFileSync(file), fromHex(json.signature), { userId: 'alice@example.com' })).toBe(true);
  });

  it('a wrong PIN fails with the tries left and never prints the PIN', async () => {
    const r = await run(['pki', 'sign', '00', '--emulator', '--pin-stdin'], '999999\n');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/63C5/);
    expect(r.err + r.out).not.toContain('999999');
  });

  it('needs a PIN source and exactly one kind of data', async () => {
    expect((await run(['pki', 'sign', '00', '--emulator'])).err).toMatch(/--pin-stdin/);
    expect((await run(['pki', 'sign', '--emulator', '--pin-stdin'], '123456\n')).err).toMatch(/hex or with --file/);
    expect((await run(['pki', 'sign', 'zz', '--emulator', '--pin-stdin'], '123456\n')).code).not.toBe(0);
  });
});
