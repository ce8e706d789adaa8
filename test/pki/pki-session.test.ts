// The SDK's PkiSession against the default emulated card, checked with our SM2 and with OpenSSL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { PinError } from '../../src/apdu/apdu-error.js';
import { ApplicationNotFoundError } from '../../src/applications/application-not-found-error.js';
import { parseCertificate, verifyCertificate } from '../../src/applications/pki/pki-certificate.js';
import { PkiSession } from '../../src/applications/pki/pki-session.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { sm2CiphertextFromDer, sm2Encrypt, sm2PrivateKeyFromPem, sm2PublicKeyToPem, sm2Verify } from '../../src/crypto/index.js';
import { InputError } from '../../src/errors.js';
import { DISTID, defaultCard, openssl, opensslStatus, scratch, TEST_PKI } from './pki-test-helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const ca = parseCertificate(readFileSync(join(TEST_PKI, 'ca.crt'), 'utf8'));

let session: PkiSession;
beforeEach(async () => {
  session = await PkiSession.open((await defaultCard()).channel);
});

describe('PkiSession.open', () => {
  it('fails with ApplicationNotFoundError on a card without the PKI application', async () => {
    const transport = new EmulatorTransport(openCard({ profile: 'ss-2.00' }));
    await transport.connect();
    await expect(PkiSession.open(new CardChannel(transport))).rejects.toBeInstanceOf(ApplicationNotFoundError);
  });
});

describe('readCertificates', () => {
  it('reads and parses both certificates, issued by the test CA to the cardholder', async () => {
    const certs = await session.readCertificates();
    expect(certs.map((c) => [c.role, c.fileId])).toEqual([
      ['signature', '0018'],
      ['encryption', '0019'],
    ]);
    for (const cert of certs) {
      expect(cert.subjectFields.CN).toBe('张晓明');
      expect(cert.subjectFields.serialNumber).toBe('330302199001011235');
      expect(cert.issuer).toBe(ca.subject);
      expect(cert.signatureAlgorithm).toBe('1.2.156.10197.1.501');
      expect(cert.notBefore.toISOString()).toBe('2022-11-16T00:00:00.000Z');
      expect(cert.notAfter.toISOString()).toBe('2032-11-16T00:00:00.000Z');
      expect(cert.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      // Exactly the files the test CA wrote.
      const file = join(TEST_PKI, 'default', cert.role === 'signature' ? 'sign.crt' : 'enc.crt');
      expect(toHex(cert.der)).toBe(toHex(parseCertificate(readFileSync(file, 'utf8')).der));
    }
    expect(certs[0]!.serial).toBe('1001');
    expect(certs[1]!.serial).toBe('1002');
  });

  it('the certificates carry the card public keys', async () => {
    const [sign, enc] = await session.readCertificates();
    expect(sign!.publicKey).toBe(toHex(await session.exportPublicKey('signature')));
    expect(enc!.publicKey).toBe(toHex(await session.exportPublicKey('encryption')));
  });

  it('their signatures verify with our SM2 against the CA certificate, and not against anything else', async () => {
    const [sign, enc] = await session.readCertificates();
    expect(verifyCertificate(sign!, ca)).toBe(true);
    expect(verifyCertificate(enc!, ca)).toBe(true);
    expect(verifyCertificate(ca, ca)).toBe(true);
    expect(verifyCertificate(sign!, enc!)).toBe(false);
    expect(verifyCertificate(sign!, ca, { userId: 'another id' })).toBe(false);
    expect(verifyCertificate(sign!, ca, { at: new Date('2040-01-01') })).toBe(false);
    expect(verifyCertificate(sign!, ca, { at: new Date('2025-06-01') })).toBe(true);
    // One bit of the subject's serialNumber changed: same issuer, the signature no longer fits.
    const tampered = sign!.der.slice();
    const at = Buffer.from(tampered).indexOf('330302199001011235');
    expect(at).toBeGreaterThan(0);
    tampered[at] = tampered[at]! ^ 0x01;
    expect(verifyCertificate(parseCertificate(tampered), ca)).toBe(false);
  });

  it('openssl x509 -text reads them and openssl verify accepts them with the CA', async () => {
    for (const cert of await session.readCertificates()) {
      const der = tmp.file(cert.der);
      const text = openssl(['x509', '-inform', 'DER', '-in', der, '-noout', '-text', '-nameopt', 'utf8']).toString('utf8');
      expect(text).toContain('Signature Algorithm: SM2-with-SM3');
      expect(text).toContain('CN=张晓明');
      expect(text).toContain('ASN1 OID: SM2');
      const pem = tmp.file(cert.pem);
      expect(opensslStatus(['verify', '-vfyopt', DISTID, '-CAfile', join(TEST_PKI, 'ca.crt'), pem])).toBe(0);
    }
  });
});

describe('verifyPin', () => {
  it('a wrong PIN is a PinError with the tries left, and nothing is signed', async () => {
    const error = await session.verifyPin('654321').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinError);
    expect((error as PinError).triesLeft).toBe(5);
    expect((error as Error).message).not.toContain('654321');
    expect(await session.pinTriesLeft()).toBe(5);
    await expect(session.pkiSign(new Uint8Array([1]))).rejects.toMatchObject({ sw: 0x6982 });
    await session.verifyPin('123456');
    await expect(session.pinTriesLeft()).rejects.toThrow(/already verified/);
    expect(await session.pinTriesLeft('admin')).toBe(6);
  });

  it('refuses a malformed PIN before talking to the card', async () => {
    await expect(session.verifyPin('12a456')).rejects.toBeInstanceOf(InputError);
    expect(await session.pinTriesLeft()).toBe(6);
  });
});

describe('pkiSign', () => {
  it('signs data; the signature verifies with our SM2 and with openssl dgst -sm3 -verify', async () => {
    await session.verifyPin('123456');
    const data = new TextEncoder().encode('login challenge 4F2A… 身份认证');
    const sig = await session.pkiSign(data);
    expect(sig.raw).toHaveLength(64);
    expect(sm2Verify(sig.publicKey, data, sig.der)).toBe(true);
    expect(sm2Verify(sig.publicKey, data, sig.raw, { format: 'raw' })).toBe(true);
    const [cert] = await session.readCertificates();
    expect(sm2Verify(fromHex(cert!.publicKey), data, sig.der)).toBe(true);

    const pub = tmp.file(sm2PublicKeyToPem(sig.publicKey));
    const msg = tmp.file(data);
    const sigFile = tmp.file(sig.der);
    const verify = (file: string) => opensslStatus(['dgst', '-sm3', '-verify', pub, '-sigopt', DISTID, '-signature', sigFile, file]);
    expect(verify(msg)).toBe(0);
    expect(verify(tmp.file('something else'))).not.toBe(0);
    // And with the public key taken out of the certificate by openssl itself.
    const certPub = openssl(['x509', '-inform', 'DER', '-in', tmp.file(cert!.der), '-noout', '-pubkey']);
    expect(opensslStatus(['dgst', '-sm3', '-verify', tmp.file(certPub), '-sigopt', DISTID, '-signature', sigFile, msg])).toBe(0);
  });

  it('signs with another user id when asked (and openssl agrees with that id only)', async () => {
    await session.verifyPin('123456');
    const data = new Uint8Array(1000).map((_, i) => i);
    const sig = await session.pkiSign(data, { userId: 'ALICE123@YAHOO.COM' });
    expect(sm2Verify(sig.publicKey, data, sig.der, { userId: 'ALICE123@YAHOO.COM' })).toBe(true);
    expect(sm2Verify(sig.publicKey, data, sig.der)).toBe(false);
    const args = (id: string) => [
      'dgst',
      '-sm3',
      '-verify',
      tmp.file(sm2PublicKeyToPem(sig.publicKey)),
      '-sigopt',
      `distid:${id}`,
      '-signature',
      tmp.file(sig.der),
      tmp.file(data),
    ];
    expect(opensslStatus(args('ALICE123@YAHOO.COM'))).toBe(0);
    expect(opensslStatus(args('1234567812345678'))).not.toBe(0);
  });

  it('signs empty data', async () => {
    await session.verifyPin('123456');
    const sig = await session.pkiSign(new Uint8Array(0));
    expect(sm2Verify(sig.publicKey, new Uint8Array(0), sig.der)).toBe(true);
  });
});

describe('decrypt', () => {
  it('opens an envelope made by our sm2Encrypt (C1C3C2)', async () => {
    await session.verifyPin('123456');
    const secret = new TextEncoder().encode('SM4 session key: 0123456789ABCDEF');
    const envelope = sm2Encrypt(await session.exportPublicKey('encryption'), secret);
    expect(toHex(await session.decrypt(envelope))).toBe(toHex(secret));
  });

  it('opens an envelope made by openssl pkeyutl -encrypt with the encryption certificate', async () => {
    await session.verifyPin('123456');
    const enc = (await session.readCertificates()).find((c) => c.role === 'encryption')!;
    const secret = new Uint8Array(158).map((_, i) => (i * 7) & 0xff);
    const der = openssl(['pkeyutl', '-encrypt', '-certin', '-inkey', tmp.file(enc.pem), '-in', tmp.file(secret)]);
    const envelope = sm2CiphertextFromDer(new Uint8Array(der));
    expect(toHex(await session.decrypt(envelope))).toBe(toHex(secret));
    // The DER form straight from openssl works too.
    expect(toHex(await session.decrypt(new Uint8Array(der)))).toBe(toHex(secret));
  });

  it('refuses envelopes that do not fit a short APDU, and needs the user PIN', async () => {
    const key = await session.exportPublicKey('encryption');
    await expect(session.decrypt(sm2Encrypt(key, new Uint8Array(16)))).rejects.toMatchObject({ sw: 0x6982 });
    await session.verifyPin('123456');
    await expect(session.decrypt(sm2Encrypt(key, new Uint8Array(159)))).rejects.toBeInstanceOf(InputError);
    await expect(session.decrypt(sm2Encrypt(await session.exportPublicKey('signature'), new Uint8Array(16)))).rejects.toMatchObject({
      sw: 0x6a80,
    });
  });
});

describe('private keys', () => {
  it('appear in no answer of the card, whatever the session does', async () => {
    const { channel } = await defaultCard();
    const answers: string[] = [];
    channel.onTrace((e) => answers.push(e.response.replace(/ /g, '')));
    const s = await PkiSession.open(channel);
    await s.readCertificates();
    await s.verifyPin('123456');
    await s.pkiSign(new Uint8Array(64));
    await s.decrypt(sm2Encrypt(await s.exportPublicKey('encryption'), new Uint8Array(32)));
    const all = answers.join('|');
    expect(all.length).toBeGreaterThan(1000);
    for (const file of ['sign.key', 'enc.key']) {
      const d = toHex(sm2PrivateKeyFromPem(readFileSync(join(TEST_PKI, 'default', file), 'utf8')));
      expect(all).not.toContain(d);
    }
  });
});

describe('generateKeyPair and writeCertificate', () => {
  it('needs the admin PIN; a new key signs, the CA certifies it, the card stores and returns the new certificate', async () => {
    await expect(session.generateKeyPair('signature')).rejects.toMatchObject({ sw: 0x6982 });
    await session.verifyPin('12345678', 'admin');
    const old = await session.readCertificate('signature');
    const publicKey = await session.generateKeyPair('signature');
    expect(toHex(publicKey)).not.toBe(old!.publicKey);
    expect(toHex(await session.exportPublicKey('signature'))).toBe(toHex(publicKey));

    // The stale certificate is refused; a new one from the test CA for the new key is written.
    await expect(session.writeCertificate('signature', old!.der)).rejects.toBeInstanceOf(InputError);
    const csrKey = join(TEST_PKI, 'default', 'sign.key');
    const csr = openssl(['req', '-new', '-key', csrKey, '-sm3', '-sigopt', DISTID, '-subj', '/CN=regenerated (TEST)']);
    const newCert = openssl([
      'x509',
      '-req',
      '-in',
      tmp.file(csr),
      '-force_pubkey',
      tmp.file(sm2PublicKeyToPem(publicKey)),
      '-CA',
      join(TEST_PKI, 'ca.crt'),
      '-CAkey',
      join(TEST_PKI, 'ca.key'),
      '-set_serial',
      '0x2001',
      '-days',
      '30',
      '-sm3',
      '-sigopt',
      DISTID,
      '-vfyopt',
      DISTID,
    ]).toString('utf8');
    await session.writeCertificate('signature', newCert);
    const read = await session.readCertificate('signature');
    expect(read!.serial).toBe('2001');
    expect(read!.publicKey).toBe(toHex(publicKey));
    expect(verifyCertificate(read!, ca)).toBe(true);

    await session.verifyPin('123456');
    const sig = await session.pkiSign(new Uint8Array([1, 2, 3]));
    expect(sm2Verify(fromHex(read!.publicKey), new Uint8Array([1, 2, 3]), sig.der)).toBe(true);
  });

  it('a generated key lives in the state file and survives a new session', async () => {
    const state = join(tmp.dir, 'card.state.json');
    const firstCard = await defaultCard({ state });
    const first = await PkiSession.open(firstCard.channel);
    await first.verifyPin('12345678', 'admin');
    const publicKey = await first.generateKeyPair('encryption');
    // One card per state file at a time: the first gives it up before the next opens it.
    firstCard.card.close();
    const again = await PkiSession.open((await defaultCard({ state })).channel);
    expect(toHex(await again.exportPublicKey('encryption'))).toBe(toHex(publicKey));
    await again.verifyPin('123456');
    const secret = new Uint8Array([9, 8, 7]);
    expect(toHex(await again.decrypt(sm2Encrypt(publicKey, secret)))).toBe(toHex(secret));
  });
});
