// The shipped test PKI (emulator/profiles/test-pki) and scripts/make-test-pki.sh.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../emulator/index.js';
import { parseCertificate, verifyCertificate } from '../../src/applications/pki/pki-certificate.js';
import { toHex } from '../../src/bytes/hex.js';
import { sm2PrivateKeyFromPem, sm2PublicKeyFromPrivate } from '../../src/crypto/index.js';
import { DISTID, openssl, opensslStatus, scratch, TEST_PKI } from './pki-test-helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const files = ['ca', 'default/sign', 'default/enc'];
const read = (name: string) => readFileSync(join(TEST_PKI, name), 'utf8');

describe('test PKI files', () => {
  it('every certificate is issued by the test CA (openssl verify and our SM2) for its key', () => {
    const ca = parseCertificate(read('ca.crt'));
    for (const name of files) {
      expect(opensslStatus(['verify', '-vfyopt', DISTID, '-CAfile', join(TEST_PKI, 'ca.crt'), join(TEST_PKI, `${name}.crt`)])).toBe(0);
      const cert = parseCertificate(read(`${name}.crt`));
      expect(verifyCertificate(cert, ca)).toBe(true);
      expect(cert.publicKey).toBe(toHex(sm2PublicKeyFromPrivate(sm2PrivateKeyFromPem(read(`${name}.key`)))));
      expect(read(`${name}.key`)).toMatch(/^TEST KEY/);
    }
  });

  it('the default card profile carries exactly these certificates and keys', () => {
    const profile = loadProfile(resolveProfilePath('default'));
    const ddf = profile.mf.children?.find((c) => c.kind === 'df' && c.dfName === '504B492EC9E7BBE1B1A3D5CF');
    const adf = ddf?.kind === 'df' ? ddf.children?.[0] : undefined;
    expect(adf?.kind === 'df' && adf.application).toBe('pki-3g');
    const efs = new Map((adf?.kind === 'df' ? (adf.children ?? []) : []).map((c) => [c.fid, c.kind === 'ef' ? c.content : undefined]));
    expect(efs.get('0018')).toBe(toHex(parseCertificate(read('default/sign.crt')).der));
    expect(efs.get('0019')).toBe(toHex(parseCertificate(read('default/enc.crt')).der));
    expect(efs.get('0F01')).toBe(toHex(sm2PrivateKeyFromPem(read('default/sign.key'))));
    expect(efs.get('0F02')).toBe(toHex(sm2PrivateKeyFromPem(read('default/enc.key'))));
  });

  it('make-test-pki.sh is reproducible: same keys and same to-be-signed bytes on every run', () => {
    const out = join(tmp.dir, 'pki');
    execFileSync('bash', [join(import.meta.dirname, '../../scripts/make-test-pki.sh'), out], { stdio: 'pipe' });
    for (const name of files) {
      expect(readFileSync(join(out, `${name}.key`), 'utf8')).toBe(read(`${name}.key`));
      const fresh = parseCertificate(readFileSync(join(out, `${name}.crt`), 'utf8'));
      const shipped = parseCertificate(read(`${name}.crt`));
      expect(toHex(fresh.tbsCertificate)).toBe(toHex(shipped.tbsCertificate));
    }
    // It does not overwrite a PKI without --force.
    expect(() => execFileSync('bash', [join(import.meta.dirname, '../../scripts/make-test-pki.sh'), out], { stdio: 'pipe' })).toThrow();
  });

  it('openssl x509 -text reads the CA as an SM2 CA', () => {
    const text = openssl(['x509', '-in', join(TEST_PKI, 'ca.crt'), '-noout', '-text']).toString();
    expect(text).toContain('CA:TRUE');
    expect(text).toContain('SM2-with-SM3');
  });
});
