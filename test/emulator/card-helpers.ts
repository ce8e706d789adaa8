import { createCipheriv } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CardEmulator, type CardEmulatorOptions } from '../../emulator/card-emulator.js';
import type { CardProfile } from '../../emulator/card-profile.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { MemoryStateStore } from '../../emulator/state-store.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';

export const TEST_PROFILE_PATH = fileURLToPath(new URL('../../emulator/profiles/test-minimal.json', import.meta.url));
export const SSSE_NAME = '7378312E73682EC9E7BBE1B1A3D5CF';
export const SELECT_SSSE = `00A404000F${SSSE_NAME}`;
export const SELECT_MEDICAL = '00A4040006D15600000503';

/** The test profile's keys (published test values, see the profile). */
export const KEYS = {
  extAuth3des0A: '404142434445464748494A4B4C4D4E4F',
  extAuthSm40B: '0123456789ABCDEFFEDCBA9876543210',
  extAuthLimited0C: '11111111111111112222222222222222',
  stk3des04: '505152535455565758595A5B5C5D5E5F',
  stkSm405: '00112233445566778899AABBCCDDEEFF',
  puk3des06: '606162636465666768696A6B6C6D6E6F',
  bkSm405: '707172737475767778797A7B7C7D7E7F',
  internal3des: '909192939495969798999A9B9C9D9E9F',
  internalSm4Master: 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF',
  lkMedical3des83: '808182838485868788898A8B8C8D8E8F',
  lkDebitSm483: 'C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF',
} as const;

export function testProfile(changes: (p: CardProfile) => void = () => {}): CardProfile {
  const profile = loadProfile(TEST_PROFILE_PATH);
  changes(profile);
  return profile;
}

/** Deterministic "random": 11 22 33 … so tests can compute cryptograms. */
export function countingRandom(): (n: number) => Uint8Array {
  let seed = 0x11;
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      seed = (seed + 0x11) & 0xff;
      return seed;
    });
}

export interface TestCard {
  card: CardEmulator;
  store: MemoryStateStore;
  logger: ReturnType<typeof memoryLogger>;
  /** Sends hex (spaces allowed), returns the response as uppercase hex. */
  send(hex: string): string;
  /** Sends and returns just the status word as hex. */
  sw(hex: string): string;
}

export function testCard(options: Partial<CardEmulatorOptions> & { protocol?: 'T=0' | 'T=1' } = {}): TestCard {
  const { protocol, ...rest } = options;
  const profile = rest.profile ?? testProfile();
  if (protocol !== undefined) profile.protocol = protocol;
  const store = (rest.store as MemoryStateStore | undefined) ?? new MemoryStateStore();
  const logger = memoryLogger();
  const card = new CardEmulator({ random: countingRandom(), logger, ...rest, profile, store });
  card.powerOn();
  const send = (hex: string) => toHex(card.transmit(fromHex(hex.replace(/\s+/g, ''))));
  return { card, store, logger, send, sw: (hex) => send(hex).slice(-4) };
}

// --- independent crypto for the tests (node:crypto directly, not the emulator's adapter) ---------

function ecb(name: string, key: string, data: Uint8Array): Uint8Array {
  const c = createCipheriv(name, fromHex(key), null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function des3Ecb(key: string, data: string): string {
  return toHex(ecb('des-ede-ecb', key, fromHex(data)));
}

export function sm4Ecb(key: string, data: string): string {
  return toHex(ecb('sm4-ecb', key, fromHex(data)));
}

function pad(data: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / n) + 1) * n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** PBOC retail MAC: single-DES CBC (left half) then 3DES on the last block; first 4 bytes. */
export function pbocMac(key: string, iv: string, data: string): string {
  const d = pad(fromHex(data), 8);
  const left = key.slice(0, 16);
  let chain = fromHex(iv.padEnd(16, '0'));
  for (let i = 0; i < d.length; i += 8) {
    const x = chain.map((b, j) => b ^ d[i + j]!);
    chain = i + 8 === d.length ? ecb('des-ede-ecb', key, x) : ecb('des-ede-ecb', left + left, x);
  }
  return toHex(chain.subarray(0, 4));
}

/** 3rd-generation SM4 MAC: SM4-CBC, XOR of the four words of the last block. */
export function sm4Mac(key: string, iv: string, data: string): string {
  const c = createCipheriv('sm4-cbc', fromHex(key), fromHex(iv.padEnd(32, '0')));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(pad(fromHex(data), 16)), c.final()]);
  const last = out.subarray(out.length - 16);
  const mac = [0, 0, 0, 0].map((_, j) => last[j]! ^ last[4 + j]! ^ last[8 + j]! ^ last[12 + j]!);
  return toHex(Uint8Array.from(mac));
}

/** Takes the challenge out of a GET CHALLENGE response. */
export function challengeOf(response: string): string {
  if (!response.endsWith('9000')) throw new Error(`GET CHALLENGE answered ${response}`);
  return response.slice(0, -4);
}

export function lc(dataHex: string): string {
  return (dataHex.length / 2).toString(16).toUpperCase().padStart(2, '0');
}

/** A MAC-protected command: header ‖ Lc ‖ data ‖ MAC over header ‖ Lc ‖ data. */
export function withMac(header: string, dataHex: string, mac: (input: string) => string): string {
  const lcHex = lc(`${dataHex}00000000`);
  return `${header}${lcHex}${dataHex}${mac(`${header}${lcHex}${dataHex}`)}`;
}

// --- the specification's security formulas, second route (card-spec §5; P4 §8–9) ----------------

type Cipher = 'des' | '3des' | 'sm4';
const ecbName = (cipher: Cipher) => (cipher === 'sm4' ? 'sm4-ecb' : cipher === '3des' ? 'des-ede-ecb' : 'des-ede3-ecb');
const keyFor = (cipher: Cipher, key: string) => (cipher === 'des' ? key.repeat(3) : key);

export function specEcb(cipher: Cipher, key: string, data: string): string {
  return toHex(ecb(ecbName(cipher), keyFor(cipher, key), fromHex(data)));
}

/** P4 §8.4: the random padded with 00 to a block, encrypted; DES/3DES give an 8-byte session key. */
export function specSessionKey(cipher: Cipher, key: string, random: string): string {
  return specEcb(cipher, key, random.padEnd(cipher === 'sm4' ? 32 : 16, '0'));
}

/** P4 §9: DES(SK, original) or, for SM4, the XOR of the halves of SM4(SK, original ‖ 00×8). */
export function specAuthData(cipher: Cipher, key: string, factor: string, original: string): string {
  const sk = specSessionKey(cipher, key, factor);
  if (cipher !== 'sm4') return specEcb('des', sk, original);
  const out = fromHex(specEcb('sm4', sk, original.padEnd(32, '0')));
  return toHex(out.subarray(0, 8).map((b, i) => b ^ out[8 + i]!));
}

/** P4 §8.2: CBC-MAC under the session key, IV 0, pad 80 00…; DES first 4 bytes, SM4 XOR of 4 words. */
export function specSmMac(cipher: Cipher, key: string, random: string, input: string): string {
  const sk = specSessionKey(cipher, key, random);
  if (cipher === 'sm4') return sm4Mac(sk, '', input);
  const d = pad(fromHex(input), 8);
  let chain: Uint8Array = new Uint8Array(8);
  for (let i = 0; i < d.length; i += 8)
    chain = ecb(
      'des-ede3-ecb',
      sk.repeat(3),
      chain.map((b, j) => b ^ d[i + j]!),
    );
  return toHex(chain.subarray(0, 4));
}

/** P4 §8.3: LD ‖ data ‖ 80 00… (only when not aligned), ECB under the session key. */
export function specEncryptField(cipher: Cipher, key: string, random: string, plain: string): string {
  const block = cipher === 'sm4' ? 16 : 8;
  const body = fromHex(`${lc(plain)}${plain}`);
  const padded = body.length % block === 0 ? body : pad(body, block).subarray(0, Math.ceil(body.length / block) * block);
  return specEcb(cipher === 'sm4' ? 'sm4' : 'des', specSessionKey(cipher, key, random), toHex(padded));
}

/**
 * EXTERNAL AUTHENTICATE as the real card log does it (card-spec §6.10): two GET CHALLENGEs, the
 * first is the original data, the second the session-key factor. Returns the card's answer.
 */
export function externalAuthenticate(send: (hex: string) => string, keyId: string, cipher: Cipher, key: string): string {
  const original = challengeOf(send('0084000008'));
  const factor = challengeOf(send('0084000008'));
  return send(`008200${keyId}10${specAuthData(cipher, key, factor, original)}${original}`);
}
