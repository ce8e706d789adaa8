/**
 * An independent implementation of the published e-purse formulas (card-facts §8), written
 * straight on node:crypto for the tests: it shares no code with src/crypto or the emulator.
 *   per-card key   K = 3DES(MK, ASN8) ‖ 3DES(MK, ~ASN8)
 *   load key       SK = 3DES(DLK, rand ‖ onlineATC ‖ 80 00)
 *   purchase key   SK = 3DES(DPK, rand ‖ offlineATC ‖ termSeq[2..3])
 *   MAC            pad 80 00.. to 8, single-DES CBC under SK, IV 0, first 4 bytes
 *   TAC key        DTK left half ⊕ right half
 * The SM4 variant (this project's design by analogy: 16-byte blocks, SM4-CBC MAC, TAC key = DTK,
 * per-card key SM4(MK, ASN8 ‖ ~ASN8)) is written the same way.
 */
import { createCipheriv } from 'node:crypto';

export type Alg = '3des' | 'sm4';

const b = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');
export const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex').toUpperCase();

function ecb(name: string, key: Buffer, data: Buffer): Buffer {
  const c = createCipheriv(name, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function des(key8: Buffer, block: Buffer): Buffer {
  // Two-key 3DES with both halves equal is single DES (plain DES sits in OpenSSL's legacy provider).
  return ecb('des-ede-ecb', Buffer.concat([key8, key8]), block);
}

function blockEncrypt(alg: Alg, key: Buffer, data: Buffer): Buffer {
  return alg === 'sm4' ? ecb('sm4-ecb', key, data) : ecb('des-ede-ecb', key, data);
}

function pad(data: Buffer, n: number): Buffer {
  const out = Buffer.alloc((Math.floor(data.length / n) + 1) * n);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

export function perCardKey(alg: Alg, master: string, asn8: string): Buffer {
  const f = b(asn8);
  const nf = Buffer.from(f.map((x) => x ^ 0xff));
  if (alg === 'sm4') return ecb('sm4-ecb', b(master), Buffer.concat([f, nf]));
  return Buffer.concat([ecb('des-ede-ecb', b(master), f), ecb('des-ede-ecb', b(master), nf)]);
}

export function mac(key: Buffer, data: Buffer): Buffer {
  const n = key.length; // 8: DES session/TAC key, 16: SM4
  const padded = pad(data, n);
  let chain: Buffer = Buffer.alloc(n);
  for (let i = 0; i < padded.length; i += n) {
    const x = Buffer.alloc(n);
    for (let j = 0; j < n; j++) x[j] = chain[j]! ^ padded[i + j]!;
    chain = n === 8 ? des(key, x) : ecb('sm4-ecb', key, x);
  }
  return chain.subarray(0, 4);
}

export function loadSessionKey(alg: Alg, dlk: Buffer, rand: string, onlineAtc: string): Buffer {
  const input = b(rand + onlineAtc);
  return blockEncrypt(alg, dlk, alg === '3des' ? Buffer.concat([input, b('8000')]) : pad(input, 16));
}

export function purchaseSessionKey(alg: Alg, dpk: Buffer, rand: string, offlineAtc: string, termSeq: string): Buffer {
  const input = b(rand + offlineAtc + termSeq.slice(4, 8));
  return blockEncrypt(alg, dpk, alg === '3des' ? input : pad(input, 16));
}

export function tacKey(alg: Alg, dtk: Buffer): Buffer {
  if (alg === 'sm4') return dtk;
  return Buffer.from(dtk.subarray(0, 8).map((x, i) => x ^ dtk[8 + i]!));
}

/** Hex fields as on the wire: amount 8 hex digits, type 2, terminal 12, date 8, time 6, ATC 4, balance 8, seq 8. */
export const ref = {
  loadMac1: (sk: Buffer, f: { balance: string; amount: string; type: string; term: string }) =>
    hex(mac(sk, b(f.balance + f.amount + f.type + f.term))),
  loadMac2: (sk: Buffer, f: { amount: string; type: string; term: string; date: string; time: string }) =>
    hex(mac(sk, b(f.amount + f.type + f.term + f.date + f.time))),
  loadTac: (tk: Buffer, f: { newBalance: string; atc: string; amount: string; type: string; term: string; date: string; time: string }) =>
    hex(mac(tk, b(f.newBalance + f.atc + f.amount + f.type + f.term + f.date + f.time))),
  purchaseMac1: (sk: Buffer, f: { amount: string; type: string; term: string; date: string; time: string }) =>
    hex(mac(sk, b(f.amount + f.type + f.term + f.date + f.time))),
  purchaseMac2: (sk: Buffer, amount: string) => hex(mac(sk, b(amount))),
  purchaseTac: (tk: Buffer, f: { amount: string; type: string; term: string; seq: string; date: string; time: string }) =>
    hex(mac(tk, b(f.amount + f.type + f.term + f.seq + f.date + f.time))),
};

export const u32 = (n: number): string => n.toString(16).padStart(8, '0').toUpperCase();
export const u16 = (n: number): string => n.toString(16).padStart(4, '0').toUpperCase();
