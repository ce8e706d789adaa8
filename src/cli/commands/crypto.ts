import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseHex, toHex } from '../../bytes/hex.js';
import type * as CryptoLib from '../../crypto/index.js';
import type { BlockPadding } from '../../crypto/padding.js';
import { InputError } from '../../errors.js';
import { CheckFailed } from '../check-failed.js';
import { type CliContext, type RegisterCommand, writeJson } from '../cli-context.js';

/** The SM2/SM3/SM4 code (and its WebAssembly arithmetic) loads when a crypto command runs, not at every start-up. */
const cryptoLib = (): Promise<typeof CryptoLib> => import('../../crypto/index.js');

/** A key given as hex, as PEM text, or as the path of a PEM file. */
function readKeyText(value: string): { pem: string } | { hex: Uint8Array } {
  if (value.includes('-----BEGIN')) return { pem: value };
  if (existsSync(value)) return { pem: readFileSync(value, 'utf8') };
  return { hex: parseHex(value, 'key') };
}

function privateKeyArg(c: typeof CryptoLib, value: string): Uint8Array {
  const k = readKeyText(value);
  return 'pem' in k ? c.sm2PrivateKeyFromPem(k.pem) : k.hex;
}

function publicKeyArg(c: typeof CryptoLib, value: string): Uint8Array {
  const k = readKeyText(value);
  return 'pem' in k ? c.sm2PublicKeyFromPem(k.pem) : k.hex;
}

function out(ctx: CliContext, json: boolean | undefined, value: Record<string, string | boolean>, text: string): void {
  if (json) writeJson(ctx, value);
  else ctx.io.stdout(`${text}\n`);
}

function paddingArg(value: string): BlockPadding {
  if (value === 'none' || value === 'iso9797-m2' || value === 'iso9797-m1') return value;
  throw new InputError('padding', `--padding must be none, iso9797-m2 or iso9797-m1, got "${value}"`);
}

function registerSm4(crypto: Command, ctx: CliContext): void {
  const sm4 = crypto.command('sm4').description('SM4 encryption and decryption (ECB or CBC)');
  for (const direction of ['encrypt', 'decrypt'] as const) {
    sm4
      .command(direction)
      .description(`SM4-${direction} hex data`)
      .argument('<hex...>', 'the data')
      .requiredOption('--key <hex>', '16-byte key')
      .option('--mode <mode>', 'ecb or cbc', 'ecb')
      .option('--iv <hex>', '16-byte IV (cbc)')
      .option('--padding <padding>', 'none, iso9797-m2 (80 00..) or iso9797-m1 (zeros)', 'none')
      .option('--json', 'print JSON')
      .action(async (parts: string[], opts: { key: string; mode: string; iv?: string; padding: string; json?: boolean }) => {
        const c = await cryptoLib();
        const key = parseHex(opts.key, 'key');
        const data = parseHex(parts.join(' '), 'data');
        const padding = paddingArg(opts.padding);
        let result: Uint8Array;
        if (opts.mode === 'ecb') {
          result = direction === 'encrypt' ? c.sm4EncryptEcb(key, data, { padding }) : c.sm4DecryptEcb(key, data, { padding });
        } else if (opts.mode === 'cbc') {
          if (!opts.iv) throw new InputError('iv', '--iv is required with --mode cbc');
          const iv = parseHex(opts.iv, 'iv');
          result = direction === 'encrypt' ? c.sm4EncryptCbc(key, iv, data, { padding }) : c.sm4DecryptCbc(key, iv, data, { padding });
        } else {
          throw new InputError('mode', `--mode must be ecb or cbc, got "${opts.mode}"`);
        }
        out(ctx, opts.json, { result: toHex(result) }, toHex(result));
      });
  }
}

function registerSm2(crypto: Command, ctx: CliContext): void {
  const sm2 = crypto.command('sm2').description('SM2 key generation, signatures (with user id) and verification');
  sm2
    .command('keygen')
    .description('generate a key pair (hex; PEM with --pem)')
    .option('--pem', 'print PKCS#8 and SubjectPublicKeyInfo PEM, as OpenSSL reads them')
    .option('--json', 'print JSON')
    .action(async (opts: { pem?: boolean; json?: boolean }) => {
      const c = await cryptoLib();
      const { privateKey, publicKey } = c.sm2GenerateKeyPair();
      if (opts.json) {
        writeJson(ctx, {
          privateKey: toHex(privateKey),
          publicKey: toHex(publicKey),
          ...(opts.pem ? { privateKeyPem: c.sm2PrivateKeyToPem(privateKey), publicKeyPem: c.sm2PublicKeyToPem(publicKey) } : {}),
        });
      } else if (opts.pem) {
        ctx.io.stdout(c.sm2PrivateKeyToPem(privateKey) + c.sm2PublicKeyToPem(publicKey));
      } else {
        ctx.io.stdout(`private ${toHex(privateKey)}\npublic  ${toHex(publicKey)}\n`);
      }
    });
  sm2
    .command('sign')
    .description('sign hex data with SM3 and the user id Z value')
    .argument('<hex...>', 'the message')
    .requiredOption('--key <key>', 'private key: 32-byte hex, PEM text or a PEM file')
    .option('--id <userId>', 'user id (text)', '1234567812345678')
    .option('--format <format>', 'der or raw (r‖s)', 'der')
    .option('--json', 'print JSON')
    .action(async (parts: string[], opts: { key: string; id: string; format: string; json?: boolean }) => {
      const c = await cryptoLib();
      if (opts.format !== 'der' && opts.format !== 'raw')
        throw new InputError('format', `--format must be der or raw, got "${opts.format}"`);
      const sig = c.sm2Sign(privateKeyArg(c, opts.key), parseHex(parts.join(' '), 'message'), { userId: opts.id, format: opts.format });
      out(ctx, opts.json, { signature: toHex(sig) }, toHex(sig));
    });
  sm2
    .command('verify')
    .description('verify a signature (DER or raw r‖s); exit 1 when it does not verify')
    .argument('<hex...>', 'the message')
    .requiredOption('--key <key>', 'public key: hex (04‖x‖y, x‖y or compressed), PEM text or a PEM file')
    .requiredOption('--signature <hex>', 'the signature')
    .option('--id <userId>', 'user id (text)', '1234567812345678')
    .option('--format <format>', 'der or raw (r‖s); without it, 64 bytes that are not exactly DER are raw')
    .option('--json', 'print JSON')
    .action(async (parts: string[], opts: { key: string; signature: string; id: string; format?: string; json?: boolean }) => {
      const c = await cryptoLib();
      if (opts.format !== undefined && opts.format !== 'der' && opts.format !== 'raw')
        throw new InputError('format', `--format must be der or raw, got "${opts.format}"`);
      const ok = c.sm2Verify(publicKeyArg(c, opts.key), parseHex(parts.join(' '), 'message'), parseHex(opts.signature, 'signature'), {
        userId: opts.id,
        format: opts.format,
      });
      out(ctx, opts.json, { valid: ok }, ok ? 'signature valid' : 'signature INVALID');
      if (!ok) throw new CheckFailed('signature does not verify');
    });
  sm2
    .command('public')
    .description('the public key of a private key')
    .requiredOption('--key <key>', 'private key: hex, PEM text or a PEM file')
    .option('--compressed', 'print the 33-byte compressed form')
    .action(async (opts: { key: string; compressed?: boolean }) => {
      const c = await cryptoLib();
      ctx.io.stdout(`${toHex(c.sm2PublicKeyFromPrivate(privateKeyArg(c, opts.key), { compressed: opts.compressed }))}\n`);
    });
}

const MAC_ALGORITHMS = ['pboc-3des', 'sm4', 'epurse', 'retail', 'x919'] as const;

function registerMac(crypto: Command, ctx: CliContext): void {
  crypto
    .command('mac')
    .description('card MACs: pboc-3des (IV challenge, 4 bytes), sm4 (3rd-gen secure messaging), epurse (session key), retail, x919')
    .argument('<hex...>', 'the data to MAC (for secure messaging: CLA INS P1 P2 Lc ‖ data)')
    .requiredOption('--alg <alg>', MAC_ALGORITHMS.join(', '))
    .requiredOption('--key <hex>', 'key: 16 bytes; epurse: 8-byte DES or 16-byte SM4 session key')
    .option('--challenge <hex>', 'challenge / IV (pboc-3des: 8 bytes; sm4: 8 or 16 bytes)')
    .option('--json', 'print JSON')
    .action(async (parts: string[], opts: { alg: string; key: string; challenge?: string; json?: boolean }) => {
      const c = await cryptoLib();
      const key = parseHex(opts.key, 'key');
      const data = parseHex(parts.join(' '), 'data');
      const challenge = () => {
        if (!opts.challenge) throw new InputError('challenge', `--challenge is required with --alg ${opts.alg}`);
        return parseHex(opts.challenge, 'challenge');
      };
      let mac: Uint8Array;
      switch (opts.alg) {
        case 'pboc-3des':
          mac = c.pbocMac3des(key, challenge(), data);
          break;
        case 'sm4':
          mac = c.sm4SecureMessagingMac(key, challenge(), data);
          break;
        case 'epurse':
          mac = c.epurseMac(key, data);
          break;
        case 'retail':
          mac = c.retailMac(key, data, opts.challenge ? { iv: challenge() } : {});
          break;
        case 'x919':
          mac = c.x919RetailMac(key, data);
          break;
        default:
          throw new InputError('alg', `--alg must be one of ${MAC_ALGORITHMS.join(', ')}, got "${opts.alg}"`);
      }
      out(ctx, opts.json, { mac: toHex(mac) }, toHex(mac));
    });
}

export const registerCrypto: RegisterCommand = (program, ctx) => {
  const crypto = program.command('crypto').description('SM2/SM3/SM4 and card MACs, for scripts and checks');
  crypto
    .command('sm3')
    .description('SM3 digest of hex data')
    .argument('[hex...]', 'the data (empty for the empty message)')
    .option('--json', 'print JSON')
    .action(async (parts: string[], opts: { json?: boolean }) => {
      const c = await cryptoLib();
      const digest = toHex(c.sm3(parseHex(parts.join(' '), 'data')));
      out(ctx, opts.json, { digest }, digest);
    });
  registerSm4(crypto, ctx);
  registerSm2(crypto, ctx);
  registerMac(crypto, ctx);
};
