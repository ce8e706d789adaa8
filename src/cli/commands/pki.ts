import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CardCertificate } from '../../applications/pki/pki-session.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import { InputError } from '../../errors.js';
import { addCardTargetOptions, type CardTargetOptions, withCardTarget } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { checkOutputDirectory, checkOutputPath, readInputFile } from '../output-paths.js';
import { type PinOptions, readPins } from '../secret-input.js';

type CertsOptions = CardTargetOptions & { json?: boolean; out?: string; ca?: string };
type SignOptions = CardTargetOptions & PinOptions & { json?: boolean; file?: string; userId?: string; out?: string };

const FILE_STEM = { signature: 'sign', encryption: 'enc' } as const;

/** `sscard pki certs|sign`: the 3rd-generation PKI application (certificates, SM2 signature). */
export const registerPki: RegisterCommand = (program, ctx) => {
  const pki = program.command('pki').description('3rd-generation PKI application: SM2 certificates and signatures');

  addCardTargetOptions(
    pki
      .command('certs')
      .description('read the signature and encryption certificates (X.509, SM2/SM3)')
      .option('--json', 'print JSON')
      .option('--out <dir>', 'also write them to DIR as sign.crt/enc.crt (PEM) and sign.der/enc.der')
      .option('--ca <file>', 'check that this CA certificate (PEM or DER) issued them'),
  ).action(async (opts: CertsOptions) => {
    // X.509 (pkijs) and the PKI session load when a pki command runs, not at every start-up.
    const { parseCertificate, verifyCertificate } = await import('../../applications/pki/pki-certificate.js');
    const { PkiSession } = await import('../../applications/pki/pki-session.js');
    const ca = opts.ca === undefined ? undefined : parseCertificate(readCertificateFile(opts.ca));
    if (opts.out !== undefined) checkOutputDirectory(opts.out, '--out');
    const certs = await withCardTarget(opts, async (target) => (await PkiSession.open(target.channel)).readCertificates());
    const issuedByCa = (c: CardCertificate) => (ca === undefined ? undefined : verifyCertificate(c, ca));
    if (opts.out !== undefined) {
      mkdirSync(opts.out, { recursive: true });
      for (const c of certs) {
        writeFileSync(join(opts.out, `${FILE_STEM[c.role]}.crt`), c.pem);
        writeFileSync(join(opts.out, `${FILE_STEM[c.role]}.der`), c.der);
      }
    }
    if (opts.json) {
      return writeJson(
        ctx,
        certs.map((c) => ({
          role: c.role,
          fileId: c.fileId,
          subject: c.subject,
          subjectFields: c.subjectFields,
          issuer: c.issuer,
          serial: c.serial,
          notBefore: c.notBefore.toISOString(),
          notAfter: c.notAfter.toISOString(),
          signatureAlgorithm: c.signatureAlgorithm,
          publicKey: c.publicKey,
          ...(ca === undefined ? {} : { issuedByCa: issuedByCa(c) }),
          pem: c.pem,
        })),
      );
    }
    if (certs.length === 0) return ctx.io.stdout('the card holds no certificates\n');
    for (const c of certs) {
      const check = issuedByCa(c);
      ctx.io.stdout(
        `${c.role} certificate (EF ${c.fileId})\n` +
          `  Subject     ${c.subject}\n` +
          `  Issuer      ${c.issuer}\n` +
          `  Serial      ${c.serial}\n` +
          `  Valid       ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}\n` +
          `  Public key  ${c.publicKey}\n` +
          (check === undefined ? '' : `  Issued by the given CA: ${check ? 'yes (SM2 signature verified)' : 'NO'}\n`),
      );
    }
  });

  addCardTargetOptions(
    pki
      .command('sign')
      .description('SM2-sign data with the card signature key (needs the PKI user PIN)')
      .argument('[hex]', 'data to sign, hex')
      .option('--file <file>', 'sign the bytes of this file instead')
      .option('--user-id <id>', 'SM2 user id for Z (default 1234567812345678)')
      .option('--out <file>', 'write the DER signature to FILE (for openssl dgst -verify)')
      .option('--json', 'print JSON')
      .option('--pin-stdin', 'read the PKI user PIN from standard input (for scripts)')
      .option('--pin <pin>', 'the PIN on the command line (visible to other users of this machine: prefer --pin-stdin)'),
  ).action(async (hex: string | undefined, opts: SignOptions) => {
    if ((hex === undefined) === (opts.file === undefined))
      throw new InputError('data', 'give the data to sign as hex or with --file, not both');
    const data = opts.file !== undefined ? new Uint8Array(readInputFile(opts.file, '--file')) : parseHex(hex!);
    if (opts.out !== undefined) {
      checkOutputPath(opts.out, {
        what: '--out',
        existing: 'overwrite',
        inputs: [...(opts.file ? [opts.file] : []), ...(opts.state ? [opts.state] : [])],
      });
    }
    const [pin] = await readPins(ctx.io, opts, ['PKI user PIN']);
    const { PkiSession } = await import('../../applications/pki/pki-session.js');
    const sig = await withCardTarget(opts, async (target) => {
      const session = await PkiSession.open(target.channel);
      await session.verifyPin(pin!, 'user');
      return session.pkiSign(data, opts.userId === undefined ? {} : { userId: opts.userId });
    });
    if (opts.out !== undefined) writeFileSync(opts.out, sig.der);
    if (opts.json) {
      return writeJson(ctx, {
        signature: toHex(sig.der),
        raw: toHex(sig.raw),
        digest: toHex(sig.digest),
        publicKey: toHex(sig.publicKey),
        userId: opts.userId ?? '1234567812345678',
      });
    }
    ctx.io.stdout(
      `Signature (DER)  ${toHex(sig.der)}\n` + `r‖s              ${toHex(sig.raw)}\n` + `Public key       ${toHex(sig.publicKey)}\n`,
    );
  });
};

function readCertificateFile(file: string): Uint8Array | string {
  const bytes = readInputFile(file, '--ca');
  return bytes.includes('-----BEGIN CERTIFICATE-----') ? bytes.toString('utf8') : new Uint8Array(bytes);
}
