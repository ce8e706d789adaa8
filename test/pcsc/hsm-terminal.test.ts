// An "HSM-style terminal" against the emulated cards through the real PC/SC stack (pcscd + vpcd):
// it knows only the published test key file (parsed here as JSON), the formulas of src/crypto and
// raw APDUs over a CardTransport (connect → ATR, transmit, close). No session, key provider or
// emulator code takes part beyond putting the card into vpcd, so this checks the card's security
// commands (card-spec §6.6–6.11) against an independent terminal built straight from the spec.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';
import { type DiversificationLevel, diversificationFactors } from '../../src/crypto/card-key-factors.js';
import {
  authenticationData,
  type CardKeyCipher,
  diversifyCardKeyLevels,
  encryptDataField,
  secureMessagingMac,
} from '../../src/crypto/card-security.js';
import type { CardTransport } from '../../src/transport/card-transport.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/hsm-terminal.test.ts');

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const show = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const swText = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');

// ---- the terminal's own pieces: key file, ATR, TLV, T=0 exchange ----------------------------------

interface KeyFileEntry {
  df: string;
  id: string;
  master: string;
  levels: DiversificationLevel[];
}
interface KeyFileJson {
  algorithm: '3des' | 'sm4';
  keys: Record<string, KeyFileEntry>;
}

function readKeyFileJson(card: string): KeyFileJson {
  return JSON.parse(readFileSync(new URL(`../../emulator/profiles/${card}.keys.json`, import.meta.url), 'utf8')) as KeyFileJson;
}

/** The historical bytes of an ATR (ISO 7816-3: walk TA/TB/TC/TD; TCK only when T≠0 is offered). */
function historicalBytes(atr: Uint8Array): Uint8Array {
  const k = atr[1]! & 0x0f;
  let y = atr[1]! >> 4;
  let at = 2;
  let tck = false;
  for (;;) {
    for (const bit of [0x1, 0x2, 0x4]) if ((y & bit) !== 0) at += 1;
    if ((y & 0x8) === 0) break;
    const td = atr[at++]!;
    if ((td & 0x0f) !== 0) tck = true;
    y = td >> 4;
  }
  expect(at + k + (tck ? 1 : 0)).toBe(atr.length);
  return atr.slice(at, at + k);
}

/** BER-TLV children of `bytes` (one- or two-byte tags, short or 81/82 lengths). */
function tlvChildren(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let at = 0;
  while (at < bytes.length) {
    let tag = bytes[at++]!;
    if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | bytes[at++]!;
    let length = bytes[at++]!;
    if (length === 0x81) length = bytes[at++]!;
    else if (length === 0x82) {
      length = (bytes[at]! << 8) | bytes[at + 1]!;
      at += 2;
    }
    out.set(tag, bytes.slice(at, at + length));
    at += length;
  }
  return out;
}

function tlvPath(bytes: Uint8Array, path: number[]): Uint8Array | undefined {
  let node: Uint8Array | undefined = bytes;
  for (const tag of path) node = node === undefined ? undefined : tlvChildren(node).get(tag);
  return node;
}

interface Answer {
  data: Uint8Array;
  sw: number;
}

/** One command with the T=0 rules a terminal applies: 6Cxx → resend with Le = xx; 61xx → GET RESPONSE. */
async function exchange(transport: CardTransport, command: Uint8Array): Promise<Answer> {
  let response = await transport.transmit(command);
  let sw = (response.at(-2)! << 8) | response.at(-1)!;
  if (sw >> 8 === 0x6c) {
    const resent = command.slice();
    resent[resent.length - 1] = sw & 0xff;
    response = await transport.transmit(resent);
    sw = (response.at(-2)! << 8) | response.at(-1)!;
  }
  const parts: number[] = [...response.subarray(0, -2)];
  while (sw >> 8 === 0x61) {
    response = await transport.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, sw & 0xff));
    sw = (response.at(-2)! << 8) | response.at(-1)!;
    parts.push(...response.subarray(0, -2));
  }
  return { data: Uint8Array.from(parts), sw };
}

// ---- the HSM: masters from the key file, diversified per card, formulas from src/crypto -----------

class Hsm {
  constructor(private readonly file: KeyFileJson) {}

  /** The algorithm of one key: SM4 cards are SM4 throughout; a DES card's 8-byte masters are single DES. */
  cipherOf(name: string): CardKeyCipher {
    if (this.file.algorithm === 'sm4') return 'sm4';
    return this.master(name).length === 8 ? 'des' : '3des';
  }

  /** The card's own key: the master diversified over the entry's levels for this card. */
  cardKey(name: string, regionCode: string, historical: Uint8Array): Uint8Array {
    const entry = this.entry(name);
    const factors = diversificationFactors(entry.levels, { regionCode, historicalBytes: historical });
    return diversifyCardKeyLevels(this.cipherOf(name), hex(entry.master), factors);
  }

  master(name: string): Uint8Array {
    return hex(this.entry(name).master);
  }

  keyId(name: string): number {
    return Number.parseInt(this.entry(name).id, 16);
  }

  private entry(name: string): KeyFileEntry {
    const entry = this.file.keys[name];
    if (entry === undefined) throw new Error(`the key file has no ${name}`);
    return entry;
  }
}

// ---- the cards -------------------------------------------------------------------------------------

const SSSE = hex('7378312E73682EC9E7BBE1B1A3D5CF');
const WRONG_PIN = '654321';
const NEW_PIN = '112233';
const bcd = (digits: string): Uint8Array => hex(digits);

interface CardUnderTest {
  profile: string;
  /** The sample card's test PIN (its profile's documented value). */
  pin: string;
  /** 9F0C's tag 86: 03 = SM4, 01 = 3DES. */
  algorithmId: number;
  /** A file RKSSSE guards: EF06 on 3.00 cards (V2), EF07 on 2.00 cards. */
  protectedRead: Uint8Array;
  protectedLength: number;
  /** Whether EF06 (cardholder) is free to read without RKSSSE (2.00) or not (3.00). */
  ef06Free: boolean;
}

const CARDS: CardUnderTest[] = [
  { profile: 'default', pin: '123456', algorithmId: 0x03, protectedRead: hex('00 B2 01 34 00'), protectedLength: 0x14, ef06Free: false },
  { profile: 'ss-2.00', pin: '888888', algorithmId: 0x01, protectedRead: hex('00 B0 87 00 10'), protectedLength: 0x10, ef06Free: true },
];

for (const card of CARDS) {
  describe.skipIf(!enabled)(`HSM-style terminal, ${card.profile} card over pcscd + vpcd`, () => {
    const hsm = new Hsm(readKeyFileJson(card.profile));
    let remove: () => Promise<void> = async () => {};
    // Only CardTransport's methods (connect, transmit, close): the test outlives a change of PC/SC transport.
    let transport: CardTransport;
    let historical: Uint8Array;
    let region: string | undefined;
    const send = (command: Uint8Array) => exchange(transport, command);
    const cardKey = (name: string) => hsm.cardKey(name, region!, historical);

    /** GET CHALLENGE of 8 bytes. */
    async function challenge(): Promise<Uint8Array> {
      const { data, sw } = await send(hex('00 84 00 00 08'));
      expect(swText(sw)).toBe('9000');
      expect(data.length).toBe(8);
      return data;
    }

    /** EXTERNAL AUTHENTICATE as in the real log: original = first challenge, factor = second. */
    async function externalAuthenticate(name: string, corrupt = false): Promise<number> {
      const original = await challenge();
      const factor = await challenge();
      const auth = authenticationData(hsm.cipherOf(name), cardKey(name), factor, original);
      if (corrupt) auth[0]! ^= 0x01;
      return (await send(concat([0x00, 0x82, 0x00, hsm.keyId(name), 0x10], auth, original))).sw;
    }

    async function verify(digits: string): Promise<string> {
      const pin = bcd(digits);
      return swText((await send(concat([0x00, 0x20, 0x00, 0x00, pin.length], pin))).sw);
    }

    /** `84 24 00 P2 Lc [encrypted PIN] MAC`, MAC (and encryption) under STK's session key over `random`. */
    function pinAdmin(p2: 0 | 1, random: Uint8Array, newPin?: string): Uint8Array {
      const cipher = hsm.cipherOf('STK');
      const stk = cardKey('STK');
      const field = newPin === undefined ? new Uint8Array(0) : encryptDataField(cipher, stk, random, bcd(newPin));
      const header = [0x84, 0x24, 0x00, p2, field.length + 4];
      return concat(header, field, secureMessagingMac(cipher, stk, random, concat(header, field)));
    }

    beforeAll(async () => {
      ({ remove } = await insertCard(openCard({ profile: card.profile }), SLOT0));
      transport = new PcscTransport({ reader: SLOT0.reader, timeoutMs: 5000 });
      historical = historicalBytes(await transport.connect());
      expect(historical.length).toBe(13);
    });
    afterAll(async () => {
      await transport?.close();
      await remove();
    });

    it('SELECT SSSE: the FCI names the algorithm in 9F0C tag 86', async () => {
      const { data, sw } = await send(concat([0x00, 0xa4, 0x04, 0x00, SSSE.length], SSSE));
      expect(swText(sw)).toBe('9000');
      expect(show(tlvPath(data, [0x6f, 0x84]) ?? new Uint8Array())).toBe(show(SSSE));
      expect(show(tlvPath(data, [0x6f, 0xa5, 0x9f0c, 0x86]) ?? new Uint8Array())).toBe(show(Uint8Array.of(card.algorithmId)));
      expect(hsm.cipherOf('IRK')).toBe(card.algorithmId === 0x03 ? 'sm4' : '3des');
    });

    it('reads the region code from EF05 tag 01 (the first 3 bytes of the card identifier)', async () => {
      expect(swText((await send(hex('00 A4 02 00 02 EF05'))).sw)).toBe('9000');
      const { data, sw } = await send(hex('00 B2 01 00 12'));
      expect(swText(sw)).toBe('9000');
      expect(show(data.subarray(0, 2))).toBe('0110');
      expect(show(data.subarray(5, 10))).toBe('D156000005');
      region = show(data.subarray(2, 5));
      expect(region).toMatch(/^\d{6}$/);
      // T8 T9 of the ATR carry the region's first 4 digits (card-spec §1.1).
      expect(show(historical.subarray(7, 9))).toBe(region.slice(0, 4));
    });

    it('INTERNAL AUTHENTICATE: the card answers authData under its diversified IRK', async () => {
      const factor = Uint8Array.from(randomBytes(8));
      const original = Uint8Array.from(randomBytes(8));
      const { data, sw } = await send(concat(hex('00 88 00 00 10'), factor, original));
      expect(swText(sw)).toBe('9000');
      expect(show(data)).toBe(show(authenticationData(hsm.cipherOf('IRK'), cardKey('IRK'), factor, original)));
      // The card holds the diversified key, not the HSM's master.
      expect(show(data)).not.toBe(show(authenticationData(hsm.cipherOf('IRK'), hsm.master('IRK'), factor, original)));
      // Another original, another answer (the card computes, it does not replay).
      const other = await send(
        concat(
          hex('00 88 00 00 10'),
          factor,
          original.map((b) => b ^ 0xff),
        ),
      );
      expect(show(other.data)).not.toBe(show(data));
    });

    it('EXTERNAL AUTHENTICATE with RKSSSE opens the protected file; a wrong cryptogram is 63Cx', async () => {
      const ef06 = await send(hex('00 B2 01 34 00'));
      expect(swText(ef06.sw)).toBe(card.ef06Free ? '9000' : '6982');
      expect(swText((await send(card.protectedRead)).sw)).toBe('6982');

      expect(swText(await externalAuthenticate('RKSSSE', true))).toBe('63C2');
      expect(swText((await send(card.protectedRead)).sw)).toBe('6982');
      expect(swText(await externalAuthenticate('RKSSSE'))).toBe('9000');
      const opened = await send(card.protectedRead);
      expect(swText(opened.sw)).toBe('9000');
      expect(opened.data.length).toBe(card.protectedLength);
      if (!card.ef06Free) expect(show(opened.data.subarray(0, 2))).toBe('0812');

      // Success restored the try counter: the next wrong cryptogram is again 63C2, not 63C1.
      expect(swText(await externalAuthenticate('RKSSSE', true))).toBe('63C2');
      expect(swText(await externalAuthenticate('RKSSSE'))).toBe('9000');
      // Without a fresh challenge the card refuses (the random is usable once).
      const reused = await send(concat([0x00, 0x82, 0x00, 0x0a, 0x10], new Uint8Array(16)));
      expect(swText(reused.sw)).toBe('6984');
    });

    it('six wrong PINs: 63C5 … 63C0, then 6983 even for the right PIN', async () => {
      expect(await verify(card.pin)).toBe('9000');
      const statuses: string[] = [];
      for (let i = 0; i < 6; i++) statuses.push(await verify(WRONG_PIN));
      expect(statuses).toEqual(['63C5', '63C4', '63C3', '63C2', '63C1', '63C0']);
      expect(await verify(WRONG_PIN)).toBe('6983');
      expect(await verify(card.pin)).toBe('6983');
      expect(swText((await send(hex('00 20 00 00'))).sw)).toBe('6983');
    });

    it('unblock `84 24 00 00 04 MAC`: PUK external authentication, fresh challenge, MAC under STK', async () => {
      // Without the PUK the card refuses even a right MAC.
      expect(swText((await send(pinAdmin(0, await challenge()))).sw)).toBe('6982');

      expect(swText(await externalAuthenticate('PUK'))).toBe('9000');
      const random = await challenge();
      const command = pinAdmin(0, random);
      expect(show(command.subarray(0, 5))).toBe('8424000004');
      expect(swText((await send(command)).sw)).toBe('9000');

      expect(await verify(card.pin)).toBe('9000');
      // VERIFY without data after a successful VERIFY: the full counter, 63C6.
      expect(swText((await send(hex('00 20 00 00'))).sw)).toBe('63C6');
    });

    it('PIN reload `84 24 00 01 14|0C enc ‖ MAC`: the new PIN encrypted and MACed under STK', async () => {
      // STK is diversified at card level only; on the DES card it is a single-length DES key.
      expect(hsm.cipherOf('STK')).toBe(card.algorithmId === 0x03 ? 'sm4' : 'des');
      const blockSize = hsm.cipherOf('STK') === 'sm4' ? 16 : 8;
      // A wrong MAC is refused (6988) and changes nothing.
      expect(swText(await externalAuthenticate('PUK'))).toBe('9000');
      const forged = pinAdmin(1, await challenge(), NEW_PIN);
      forged[forged.length - 1]! ^= 0x01;
      expect(swText((await send(forged)).sw)).toBe('6988');
      expect(await verify(card.pin)).toBe('9000');

      expect(swText(await externalAuthenticate('PUK'))).toBe('9000');
      const command = pinAdmin(1, await challenge(), NEW_PIN);
      expect(show(command.subarray(0, 5))).toBe(blockSize === 16 ? '8424000114' : '842400010C');
      expect(command.length).toBe(5 + blockSize + 4);
      expect(swText((await send(command)).sw)).toBe('9000');

      expect(await verify(card.pin)).toBe('63C5');
      expect(await verify(NEW_PIN)).toBe('9000');
      expect(swText((await send(hex('00 20 00 00'))).sw)).toBe('63C6');
    });
  });
}
