/**
 * The medical purse's formulas (card-spec §4.3, §5, §7) on plain node:crypto, sharing no code with
 * src/crypto or the emulator: the second route the tests check the card's MAC1/MAC2/TAC against.
 */
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type PurseCipher = '3des' | 'sm4';

const bytes = (hex: string) => Buffer.from(hex, 'hex');

function ecb(cipher: 'des' | '3des' | 'sm4', key: Buffer, data: Buffer): Buffer {
  const name = cipher === 'sm4' ? 'sm4-ecb' : 'des-ede-ecb';
  const c = createCipheriv(name, cipher === 'des' ? Buffer.concat([key, key]) : key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** One level: 3DES(K, F) ‖ 3DES(K, ¬F), or SM4(K, F ‖ ¬F). */
function diversify(cipher: PurseCipher, key: Buffer, factor: Buffer): Buffer {
  const not = Buffer.from(factor.map((b) => ~b & 0xff));
  if (cipher === 'sm4') return ecb('sm4', key, Buffer.concat([factor, not]));
  return Buffer.concat([ecb('3des', key, factor), ecb('3des', key, not)]);
}

export interface SampleCard {
  profile: string;
  pin: string;
  cipher: PurseCipher;
  regionCode: string;
  /** ATR historical bytes T6…TD: the card factor. */
  cardFactor: string;
}

export const SAMPLE_CARDS: SampleCard[] = [
  { profile: 'default', pin: '123456', cipher: 'sm4', regionCode: '330300', cardFactor: '991133030145A1B2' },
  { profile: 'ss-2.00', pin: '888888', cipher: '3des', regionCode: '650100', cardFactor: '9911650100026350' },
];

/** The 1.00 sample card (no medical purse checks run on it). */
export const SAMPLE_CARD_100: SampleCard = {
  profile: 'ss-1.00',
  pin: '123456',
  cipher: '3des',
  regionCode: '110100',
  cardFactor: '991111010001020B',
};

/** The card's key NAME from the published key file: its master through its levels. */
export function cardKey(card: SampleCard, name: string): Buffer {
  const path = fileURLToPath(new URL(`../../emulator/profiles/${card.profile}.keys.json`, import.meta.url));
  const entry = JSON.parse(readFileSync(path, 'utf8')).keys[name] as { master: string; levels: string[] };
  const factors: Record<string, Buffer> = {
    province: Buffer.from(`${card.regionCode.slice(0, 2)}0000sh`, 'ascii'),
    city: Buffer.from(`${card.regionCode}sx`, 'ascii'),
    card: bytes(card.cardFactor),
  };
  let key: Buffer = bytes(entry.master);
  for (const level of entry.levels) key = diversify(card.cipher, key, factors[level]!);
  return key;
}

function pad(data: Buffer, block: number): Buffer {
  const out = Buffer.alloc((Math.floor(data.length / block) + 1) * block);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

/** CBC-MAC, IV 0, pad 80: DES → first 4 bytes; SM4 → XOR of the four words. */
function mac(cipher: 'des' | 'sm4', key: Buffer, data: Buffer): string {
  const block = cipher === 'sm4' ? 16 : 8;
  const d = pad(data, block);
  let chain: Buffer = Buffer.alloc(block);
  for (let i = 0; i < d.length; i += block) {
    chain = ecb(cipher, key, Buffer.from(chain.map((b, j) => b ^ d[i + j]!)));
  }
  if (block === 8) return chain.subarray(0, 4).toString('hex').toUpperCase();
  return Buffer.from([0, 1, 2, 3].map((j) => chain[j]! ^ chain[4 + j]! ^ chain[8 + j]! ^ chain[12 + j]!))
    .toString('hex')
    .toUpperCase();
}

/** SESLK / SESPK over the 8-byte input, then the MAC over `data` (both hex). */
export function sessionMac(card: SampleCard, key: Buffer, input8: string, data: string): string {
  const input = card.cipher === 'sm4' ? Buffer.concat([bytes(input8), Buffer.alloc(8)]) : bytes(input8);
  const sk = ecb(card.cipher, key, input);
  return mac(card.cipher === 'sm4' ? 'sm4' : 'des', sk, bytes(data));
}

/** TAC: DES under DTK_L ⊕ DTK_R, or SM4 under DTK. */
export function tac(card: SampleCard, dtk: Buffer, data: string): string {
  if (card.cipher === 'sm4') return mac('sm4', dtk, bytes(data));
  return mac('des', Buffer.from(dtk.subarray(0, 8).map((b, i) => b ^ dtk[8 + i]!)), bytes(data));
}
