import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CardInterface } from '../../emulator/card-context.js';
import type { CardProfile } from '../../emulator/card-profile.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { openCard } from '../../emulator/open-card.js';
import { profileKeysPath } from '../../emulator/profile-paths.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { PbocSession } from '../../src/applications/pboc/pboc-session.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';

export const DEFAULT_PAN = '6217003303001234565';
export const SELECT_PSE = '00A404000E315041592E5359532E444446303100';
export const SELECT_PPSE = '00A404000E325041592E5359532E444446303100';
export const SELECT_DEBIT = '00A4040008A00000033301010100';

/** The default card on one interface, with a hex send helper and an SDK channel. */
export function bankCard(cardInterface: CardInterface = 'contact', profile: string | CardProfile = 'default') {
  const card = openCard({ profile, cardInterface, logger: memoryLogger() });
  const transport = new EmulatorTransport(card);
  const channel = new CardChannel(transport);
  const send = (hex: string): string => toHex(card.transmit(fromHex(hex.replace(/\s+/g, ''))));
  return { card, transport, channel, send, sw: (hex: string) => send(hex).slice(-4) };
}

export async function openSession(cardInterface: CardInterface = 'contact', profile: string | CardProfile = 'default') {
  const c = bankCard(cardInterface, profile);
  const atr = await c.transport.connect();
  const session = await PbocSession.open(c.channel, { atr });
  return { ...c, atr, session };
}

export function sampleKeys(): SoftwareKeyProvider {
  return new SoftwareKeyProvider(JSON.parse(readFileSync(profileKeysPath('default'), 'utf8')));
}

export function sampleMasterKey(): { algorithm: '3des' | 'sm4'; master: string } {
  return JSON.parse(readFileSync(profileKeysPath('default'), 'utf8')).pboc.ac;
}

/**
 * GPO data for the default card's PDOL (9F66 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37):
 * `83 21 TTQ amount 000000000000 0156 0000000000 0156 date 00 UN`.
 */
export function gpoCommand(amountFen: number, options: { ttq?: string; date?: string; un?: string; currency?: string } = {}): string {
  const amount = String(amountFen).padStart(12, '0');
  const pdol = `${options.ttq ?? '36000080'}${amount}0000000000000156${'00'.repeat(5)}${options.currency ?? '0156'}${options.date ?? '251116'}00${options.un ?? '11223344'}`;
  return `80A8000023 8321${pdol}00`;
}

// --- an independent issuer: the README formula straight on node:crypto ------------------------------

function ecb(algorithm: string, key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(algorithm, key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function diversify(algorithm: '3des' | 'sm4', key: Uint8Array, factor: Uint8Array): Uint8Array {
  const inverted = factor.map((b) => b ^ 0xff);
  if (algorithm === 'sm4') return ecb('sm4-ecb', key, Uint8Array.from([...factor, ...inverted]));
  return Uint8Array.from([...ecb('des-ede', key, factor), ...ecb('des-ede', key, inverted)]);
}

function pad(data: Uint8Array, block: number): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / block) + 1) * block);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** AC per README: K = div(MK, PAN‖PSN right 16), SK = div(K, ATC‖00×6), MAC over data ‖ AIP ‖ ATC ‖ IAD. */
export function issuerCryptogram(
  mk: { algorithm: '3des' | 'sm4'; master: string },
  input: { pan: string; psn: number; atc: number; transactionData: Uint8Array; aip: Uint8Array; iad: Uint8Array },
): string {
  const x = fromHex(`${input.pan}${String(input.psn).padStart(2, '0')}`.slice(-16));
  const cardKey = diversify(mk.algorithm, fromHex(mk.master), x);
  const r = new Uint8Array(8);
  r[0] = input.atc >> 8;
  r[1] = input.atc & 0xff;
  const sk = diversify(mk.algorithm, cardKey, r);
  const data = Uint8Array.from([...input.transactionData, ...input.aip, input.atc >> 8, input.atc & 0xff, ...input.iad]);
  if (mk.algorithm === 'sm4') {
    const padded = pad(data, 16);
    const c = createCipheriv('sm4-cbc', sk, new Uint8Array(16));
    c.setAutoPadding(false);
    const out = Buffer.concat([c.update(padded), c.final()]);
    return toHex(out.subarray(out.length - 16, out.length - 8));
  }
  const padded = pad(data, 8);
  const k1k1 = Uint8Array.from([...sk.subarray(0, 8), ...sk.subarray(0, 8)]);
  let chain: Uint8Array = new Uint8Array(8);
  for (let i = 0; i < padded.length; i += 8) {
    const x8 = chain.map((b, j) => b ^ padded[i + j]!);
    chain = ecb('des-ede', i + 8 === padded.length ? sk : k1k1, x8);
  }
  return toHex(chain);
}
