// parseCertificate / verifyCertificate on their own: good and bad input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derToPem, parseCertificate, verifyCertificate } from '../../src/applications/pki/pki-certificate.js';
import { toHex } from '../../src/bytes/hex.js';
import { DecodeError } from '../../src/errors.js';
import { openssl, scratch, TEST_PKI } from './pki-test-helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const pem = readFileSync(join(TEST_PKI, 'default/sign.crt'), 'utf8');

describe('parseCertificate', () => {
  it('reads PEM and DER alike; PEM round-trips', () => {
    const fromPem = parseCertificate(pem);
    const fromDer = parseCertificate(fromPem.der);
    expect(fromDer).toEqual(fromPem);
    expect(parseCertificate(derToPem(fromPem.der)).serial).toBe('1001');
    expect(fromPem.subject).toBe('C=CN, O=sscard test, OU=Social Security Card (TEST), CN=张晓明, serialNumber=330302199001011235');
    expect(fromPem.publicKey).toMatch(/^04[0-9A-F]{128}$/);
    // tbsCertificate is the exact slice of the DER that the signature covers.
    expect(toHex(fromPem.der)).toContain(toHex(fromPem.tbsCertificate));
  });

  it('rejects what is not a certificate with a DecodeError', () => {
    expect(() => parseCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).toThrow(DecodeError);
    expect(() => parseCertificate(parseCertificate(pem).der.subarray(0, 200))).toThrow(DecodeError);
    expect(() => parseCertificate('no pem here')).toThrow(DecodeError);
    expect(() => parseCertificate('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----')).toThrow(DecodeError);
  });

  it('rejects a certificate whose key is not SM2 (e.g. NIST P-256)', () => {
    const key = tmp.file(openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const cert = openssl(['req', '-new', '-x509', '-key', key, '-subj', '/CN=p256', '-days', '1']).toString();
    expect(() => parseCertificate(cert)).toThrow(/not an SM2 key/);
  });
});

describe('verifyCertificate', () => {
  it('false for a certificate signed with another algorithm name or a garbled signature', () => {
    const ca = parseCertificate(readFileSync(join(TEST_PKI, 'ca.crt'), 'utf8'));
    const cert = parseCertificate(pem);
    expect(verifyCertificate({ ...cert, signatureAlgorithm: '1.2.840.10045.4.3.2' }, ca)).toBe(false);
    expect(verifyCertificate({ ...cert, signature: new Uint8Array([0x30, 0x00]) }, ca)).toBe(false);
  });
});
