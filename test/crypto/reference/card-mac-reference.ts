// An independent, deliberately plain implementation of the card MAC and e-purse formulas (card-facts
// §5, §8), straight from the text with node:crypto and Buffers. It shares no code with src/crypto, so
// the vectors it writes into test-vectors/ check the library rather than echo it.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const b = (hex: string) => Buffer.from(hex, 'hex');

function ecb(alg: string, key: Buffer, data: Buffer, decrypt = false): Buffer {
  const c = decrypt ? createDecipheriv(alg, key, null) : createCipheriv(alg, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}
function cbc(alg: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv(alg, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}
const des1 = (k8: Buffer) => Buffer.concat([k8, k8, k8]); // K1=K2=K3 is single DES
function pad80(data: Buffer, block: number): Buffer {
  const n = (Math.floor(data.length / block) + 1) * block;
  const out = Buffer.alloc(n);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}
function pad00(data: Buffer, block: number): Buffer {
  const n = data.length === 0 ? block : Math.ceil(data.length / block) * block;
  const out = Buffer.alloc(n);
  data.copy(out);
  return out;
}

export function refRetailMac(key16: string, dataHex: string, ivHex = '0000000000000000', padding: 'm1' | 'm2' = 'm2'): string {
  const key = b(key16);
  const data = padding === 'm2' ? pad80(b(dataHex), 8) : pad00(b(dataHex), 8);
  const chain = cbc('des-ede3-cbc', des1(key.subarray(0, 8)), b(ivHex), data);
  const last = chain.subarray(chain.length - 8);
  const step = ecb('des-ede3', des1(key.subarray(8, 16)), last, true);
  return ecb('des-ede3', des1(key.subarray(0, 8)), step)
    .toString('hex')
    .toUpperCase();
}

export function refPbocMac(key16: string, challenge8: string, dataHex: string): string {
  return refRetailMac(key16, dataHex, challenge8).slice(0, 8);
}

export function refFull3desMac(key16: string, challenge8: string, dataHex: string): string {
  const chain = cbc('des-ede-cbc', b(key16), b(challenge8), pad80(b(dataHex), 8));
  return chain
    .subarray(chain.length - 8, chain.length - 4)
    .toString('hex')
    .toUpperCase();
}

export function refSm4SmMac(key16: string, challenge: string, dataHex: string): string {
  const iv = Buffer.alloc(16);
  b(challenge).copy(iv);
  const chain = cbc('sm4-cbc', b(key16), iv, pad80(b(dataHex), 16));
  const last = chain.subarray(chain.length - 16);
  const w = [0, 4, 8, 12].map((o) => last.readUInt32BE(o));
  const x = (w[0]! ^ w[1]! ^ w[2]! ^ w[3]!) >>> 0;
  return x.toString(16).toUpperCase().padStart(8, '0');
}

export function refDiversify3des(mk: string, factor: string): string {
  const f = b(factor);
  const nf = Buffer.from(f.map((x) => x ^ 0xff));
  return Buffer.concat([ecb('des-ede', b(mk), f), ecb('des-ede', b(mk), nf)])
    .toString('hex')
    .toUpperCase();
}

export function refDiversifySm4(mk: string, factor: string): string {
  const f = b(factor);
  const nf = Buffer.from(f.map((x) => x ^ 0xff));
  return ecb('sm4-ecb', b(mk), Buffer.concat([f, nf]))
    .toString('hex')
    .toUpperCase();
}

export function refPinProof(pinDigits: string, challenge: string): string {
  const bcd = b(pinDigits.length % 2 ? `${pinDigits}F` : pinDigits);
  const key = createHash('sm3').update(bcd).digest().subarray(0, 16);
  return ecb('sm4-ecb', key, b(challenge)).toString('hex').toUpperCase();
}

// --- e-purse (3DES form as published; SM4 form as the library documents its analogy) ---
type Alg = '3des' | 'sm4';
const blockOf = (alg: Alg) => (alg === '3des' ? 8 : 16);

export function refSessionKeyLoad(alg: Alg, dlk: string, rand: string, onlineAtc: string): string {
  const input = alg === '3des' ? b(`${rand}${onlineAtc}8000`) : pad80(b(`${rand}${onlineAtc}`), 16);
  return ecb(alg === '3des' ? 'des-ede' : 'sm4-ecb', b(dlk), input)
    .toString('hex')
    .toUpperCase();
}

export function refSessionKeyPurchase(alg: Alg, dpk: string, rand: string, offlineAtc: string, termSeq: string): string {
  const raw = b(`${rand}${offlineAtc}${termSeq.slice(4)}`);
  const input = alg === '3des' ? raw : pad80(raw, 16);
  return ecb(alg === '3des' ? 'des-ede' : 'sm4-ecb', b(dpk), input)
    .toString('hex')
    .toUpperCase();
}

export function refTacKey(alg: Alg, dtk: string): string {
  if (alg === 'sm4') return dtk.toUpperCase();
  const k = b(dtk);
  return Buffer.from(k.subarray(0, 8).map((x, i) => x ^ k[i + 8]!))
    .toString('hex')
    .toUpperCase();
}

export function refPurseMac(alg: Alg, key: string, dataHex: string): string {
  const bs = blockOf(alg);
  const chain =
    alg === '3des'
      ? cbc('des-ede3-cbc', des1(b(key)), Buffer.alloc(8), pad80(b(dataHex), 8))
      : cbc('sm4-cbc', b(key), Buffer.alloc(16), pad80(b(dataHex), 16));
  return chain
    .subarray(chain.length - bs, chain.length - bs + 4)
    .toString('hex')
    .toUpperCase();
}
