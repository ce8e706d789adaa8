import type { CardKey } from '../../emulator/card-key.js';
import type { DedicatedFile } from '../../emulator/file-system.js';
import { toPinBlock } from '../../emulator/pin-object.js';
import { encodeBcdNumber } from '../../src/bytes/bcd.js';
import { bytesEqual, concatBytes, uintToBytes } from '../../src/bytes/bytes.js';
import { authenticationData, encryptDataField, secureMessagingMac } from '../../src/crypto/card-security.js';
import {
  type EpurseAlgorithm,
  epurseLoadMac1,
  epurseLoadMac2,
  epurseLoadSessionKey,
  epurseLoadTac,
  epursePurchaseMac1,
  epursePurchaseMac2,
  epursePurchaseSessionKey,
  epurseTacKey,
} from '../../src/crypto/epurse-mac.js';
import { pinProof } from '../../src/crypto/key-derivation.js';
import { LOAD_SESSION_TAIL, MEDICAL_TYPE, medicalMac, medicalSessionKey, purchaseSessionTail } from '../../src/crypto/medical-purse-mac.js';
import type { CardWorld } from './card-world.js';
import type { Prng } from './prng.js';

/**
 * A terminal transaction the campaign plays with the card's real secrets (white-box), so valid
 * PIN, MAC, debit, load and purchase paths are exercised between the random commands. A generator:
 * it yields each command and receives the card's answer. A card answer that a correct card could
 * never give (a wrong MAC1, TAC or MAC2) is thrown as a ProtocolViolation.
 */
export type Operation = Generator<Uint8Array, void, Uint8Array>;
type Exchange = Generator<Uint8Array, Uint8Array, Uint8Array>;

export class ProtocolViolation extends Error {}

export function sw(response: Uint8Array): number {
  return response.length < 2 ? -1 : (response[response.length - 2]! << 8) | response[response.length - 1]!;
}

/** Sends one command and follows 61xx with GET RESPONSE (T=0); returns data ‖ final SW. */
function* tx(...parts: (number | Uint8Array)[]): Exchange {
  const command = concatBytes(...parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : p)));
  let response = yield command;
  const data: Uint8Array[] = [];
  while (response.length >= 2 && response[response.length - 2] === 0x61) {
    data.push(response.subarray(0, response.length - 2));
    response = yield Uint8Array.of(0x00, 0xc0, 0x00, 0x00, response[response.length - 1]!);
  }
  return data.length === 0 ? response : concatBytes(...data, response);
}

const body = (r: Uint8Array) => r.subarray(0, r.length - 2);

function* selectDf(df: DedicatedFile | undefined): Exchange {
  if (df === undefined) return Uint8Array.of(0x6a, 0x82);
  if (df.dfName !== undefined) return yield* tx(0x00, 0xa4, 0x04, 0x00, df.dfName.length, df.dfName, 0x00);
  return yield* tx(0x00, 0xa4, 0x00, 0x00, 0x02, uintToBytes(df.fid ?? 0x3f00, 2), 0x00);
}

function* challenge(length: number): Exchange {
  return yield* tx(0x00, 0x84, 0x00, 0x00, length);
}

/**
 * `header ‖ Lc ‖ field ‖ MAC` (P4 §8): the field is `plain` encrypted, the MAC over header ‖ Lc ‖
 * field, both under the session key of `key` over a fresh card random.
 */
function* withMac(header: number[], plain: Uint8Array | undefined, key: CardKey | undefined, r: Prng, wrong: boolean): Exchange {
  const c = yield* challenge(8);
  if (sw(c) !== 0x9000 || key === undefined) return c;
  const field = plain === undefined ? new Uint8Array(0) : encryptDataField(key.algorithm, key.value, body(c), plain);
  const lc = field.length + 4;
  const input = Uint8Array.from([...header, lc, ...field]);
  const mac = wrong ? r.bytes(4) : secureMessagingMac(key.algorithm, key.value, body(c), input);
  return yield* tx(...header, lc, field, mac);
}

function digits(r: Prng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + r.int(0, 9));
  return s;
}

function wrongPin(value: string, r: Prng): string {
  for (;;) {
    const d = digits(r, value.length);
    if (d !== value) return d;
  }
}

const ssPin = (w: CardWorld) => w.pin(w.ssse, 0x00)!;

function* verifyPin(w: CardWorld, r: Prng, right: boolean): Operation {
  if (r.chance(0.5)) yield* selectDf(r.chance(0.8) ? w.ssse : w.medicalDf);
  const value = ssPin(w).exportValue();
  const pin = toPinBlock(right ? value : wrongPin(value, r));
  yield* tx(0x00, 0x20, 0x00, 0x00, pin.length, pin);
}

function* pinStatus(w: CardWorld, r: Prng): Operation {
  if (r.chance(0.3)) yield* selectDf(w.ssse);
  yield* tx(0x00, 0x20, 0x00, 0x00);
}

function* changePin(w: CardWorld, r: Prng): Operation {
  yield* selectDf(w.ssse);
  const value = ssPin(w).exportValue();
  const old = toPinBlock(r.chance(0.8) ? value : wrongPin(value, r));
  const next = toPinBlock(r.chance(0.5) ? value : digits(r, 6));
  yield* tx(0x80, 0x5e, 0x01, 0x00, old.length + 1 + next.length, old, 0xff, next);
}

/** PIN CHANGE/UNBLOCK `84 24` (P5 §6.8): PUK first (sometimes wrongly or not at all), then STK. */
function* unblockPin(w: CardWorld, r: Prng): Operation {
  yield* selectDf(w.ssse);
  if (r.chance(0.9)) yield* externalAuth(w, 0x06, r, r.chance(0.1));
  yield* withMac([0x84, 0x24, 0x00, 0x00], undefined, w.key(w.ssse, 'secure-messaging'), r, r.chance(0.2));
}

function* reloadPin(w: CardWorld, r: Prng): Operation {
  yield* selectDf(w.ssse);
  const next = toPinBlock(r.chance(0.7) ? ssPin(w).exportValue() : digits(r, 6));
  if (r.chance(0.9)) yield* externalAuth(w, 0x06, r, r.chance(0.1));
  yield* withMac([0x84, 0x24, 0x00, 0x01], next, w.key(w.ssse, 'secure-messaging'), r, r.chance(0.2));
}

/** EXTERNAL AUTHENTICATE (P5 §6.4): two randoms, authData ‖ original under the session key over the second. */
function* externalAuth(w: CardWorld, keyId: number, r: Prng, wrong: boolean): Exchange {
  const key = w.key(w.card.context.currentDf, 'external-auth', keyId);
  const first = yield* challenge(8);
  if (sw(first) !== 0x9000) return first;
  const c = yield* challenge(8);
  if (sw(c) !== 0x9000 || key === undefined) return c;
  const original = body(first);
  const auth = wrong ? r.bytes(8) : authenticationData(key.algorithm, key.value, body(c), original);
  return yield* tx(0x00, 0x82, 0x00, keyId, 16, auth, original);
}

function* readCard(w: CardWorld, r: Prng): Operation {
  yield* selectDf(w.ssse);
  for (const sfi of [5, 6]) for (let n = 1; n <= r.int(1, 6); n++) yield* tx(0x00, 0xb2, n, (sfi << 3) | 4, 0x00);
}

function bcdDateTime(r: Prng): { date: Uint8Array; time: Uint8Array } {
  return {
    date: encodeBcdNumber(`20${r.int(20, 39)}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}`, 4),
    time: encodeBcdNumber(`${String(r.int(0, 23)).padStart(2, '0')}${String(r.int(0, 59)).padStart(2, '0')}00`, 3),
  };
}

function medicalTime(r: Prng): Uint8Array {
  const { date, time } = bcdDateTime(r);
  return concatBytes(date, time);
}

/** DF04 selected and (mostly) its PIN verified; false on a card without DF04. */
function* openMedical(w: CardWorld, r: Prng): Generator<Uint8Array, boolean, Uint8Array> {
  const df = w.medicalDf;
  if (df === undefined) return false;
  yield* selectDf(df);
  if (r.chance(0.95)) {
    const pin = toPinBlock(ssPin(w).exportValue());
    yield* tx(0x00, 0x20, 0x00, 0x00, pin.length, pin);
  }
  return true;
}

function* medicalPurchase(w: CardWorld, r: Prng): Operation {
  if (!(yield* openMedical(w, r))) return;
  const balance = w.observe().medical!.balance;
  const account = r.chance(0.1) ? balance + r.int(1, 1000) : r.int(0, Math.max(1, Math.min(balance, 5000)));
  const selfPay = r.int(0, 3000);
  const pooling = r.int(0, 3000);
  const terminalId = r.bytes(6);
  const amounts = concatBytes(uintToBytes(Math.min(account, 0xffffffff), 4), uintToBytes(selfPay, 4), uintToBytes(pooling, 4));
  const keyIndex = r.chance(0.05) ? 2 : 1;
  const init = yield* tx(0xb0, 0x28, 0x01, 0x01, 0x13, keyIndex, amounts, terminalId, 0x16);
  if (sw(init) !== 0x9000 && r.chance(0.8)) return;
  const d = body(init);
  const key = w.key(w.medicalDf, 'medical-purchase', 1)!;
  const seq = d.length === 22 ? (d[14]! << 8) | d[15]! : 0;
  const random = d.length === 22 ? d.slice(18, 22) : r.bytes(4);
  const terminalSeq = r.int(0, 0xffffffff);
  const time = medicalTime(r);
  const sessionKey = medicalSessionKey(key.algorithm, key.value, random, seq, purchaseSessionTail(terminalSeq));
  const mac1 = r.chance(0.1)
    ? r.bytes(4)
    : medicalMac(key.algorithm, sessionKey, concatBytes(amounts, Uint8Array.of(MEDICAL_TYPE.purchase), terminalId, time));
  const debit = yield* tx(0xb0, 0x2c, 0x01, 0x00, 0x0f, uintToBytes(terminalSeq, 4), time, mac1, 0x08);
  if (sw(debit) === 0x9000 && !bytesEqual(body(debit).subarray(4, 8), medicalMac(key.algorithm, sessionKey, amounts)))
    throw new ProtocolViolation('MAC2 of the medical DEBIT FOR PURCHASE does not verify');
  // A terminal that lost the answer asks for the proof; a retried DEBIT must not debit twice.
  if (r.chance(0.2)) yield* tx(0xb0, 0x2e, 0x00, MEDICAL_TYPE.purchase, 0x02, uintToBytes(seq, 2), 0x08);
  if (r.chance(0.2)) yield* tx(0xb0, 0x2c, 0x01, 0x00, 0x0f, uintToBytes(terminalSeq, 4), time, mac1, 0x08);
  if (r.chance(0.3)) yield* tx(0xb0, 0x26, 0x00, r.int(1, 3), 0x00);
}

function* medicalLoad(w: CardWorld, r: Prng): Operation {
  if (!(yield* openMedical(w, r))) return;
  const amount = r.int(0, 20000);
  const terminalId = r.bytes(6);
  const init = yield* tx(0xb0, 0x28, 0x00, 0x01, 0x0b, 0x01, uintToBytes(amount, 4), terminalId, 0x10);
  if (sw(init) !== 0x9000) return;
  const d = body(init);
  const key = w.key(w.medicalDf, 'medical-load', 1)!;
  const sessionKey = medicalSessionKey(key.algorithm, key.value, d.slice(8, 12), (d[4]! << 8) | d[5]!, LOAD_SESSION_TAIL);
  const type = Uint8Array.of(MEDICAL_TYPE.load);
  if (
    !bytesEqual(
      d.subarray(12, 16),
      medicalMac(key.algorithm, sessionKey, concatBytes(d.subarray(0, 4), uintToBytes(amount, 4), type, terminalId)),
    )
  )
    throw new ProtocolViolation('card MAC1 of the medical INITIALIZE FOR LOAD does not verify');
  const time = medicalTime(r);
  const mac2 = r.chance(0.1)
    ? r.bytes(4)
    : medicalMac(key.algorithm, sessionKey, concatBytes(uintToBytes(amount, 4), type, terminalId, time));
  yield* tx(0xb0, 0x2a, 0x00, 0x00, 0x0b, time, mac2, 0x04);
}

const algorithmOf = (id: number): EpurseAlgorithm => (id === 0x04 ? 'sm4' : '3des');

function* purseLoad(w: CardWorld, r: Prng): Operation {
  const df = w.purseDf;
  if (df === undefined) return;
  yield* selectDf(df);
  const index = r.pick([1, 2]);
  const room = w.purseLimit - w.purseBalance(w.observe());
  const amount = r.chance(0.1) ? room + r.int(1, 100) : r.int(1, Math.max(1, Math.min(room, 20000)));
  const terminalId = r.bytes(6);
  const init = yield* tx(0x80, 0x50, 0x00, 0x02, 0x0b, index, uintToBytes(amount, 4), terminalId, 0x10);
  if (sw(init) !== 0x9000) return;
  const d = body(init);
  const balance = (d[0]! << 24) + (d[1]! << 16) + (d[2]! << 8) + d[3]!;
  const atc = (d[4]! << 8) | d[5]!;
  const algorithm = algorithmOf(d[7]!);
  const random = d.slice(8, 12);
  const dlk = w.key(df, 'load', index)!;
  const sessionKey = epurseLoadSessionKey(dlk.value, random, atc, algorithm);
  const fields = { amount, transactionType: 0x02, terminalId };
  if (!bytesEqual(d.subarray(12, 16), epurseLoadMac1({ ...fields, sessionKey, balance })))
    throw new ProtocolViolation('card MAC1 of INITIALIZE FOR LOAD does not verify');
  const { date, time } = bcdDateTime(r);
  const mac2 = r.chance(0.1) ? r.bytes(4) : epurseLoadMac2({ ...fields, sessionKey, date, time });
  const credit = yield* tx(0x80, 0x52, 0x00, 0x00, 0x0b, date, time, mac2, 0x04);
  if (sw(credit) !== 0x9000) return;
  const tacKey = epurseTacKey(w.key(df, 'tac', index)!.value, algorithm);
  const tac = epurseLoadTac({ ...fields, date, time, tacKey, newBalance: balance + amount, onlineAtc: atc });
  if (!bytesEqual(body(credit), tac)) throw new ProtocolViolation('TAC of CREDIT FOR LOAD does not verify');
}

function* pursePurchase(w: CardWorld, r: Prng): Operation {
  const df = w.purseDf;
  if (df === undefined) return;
  yield* selectDf(df);
  const index = r.pick([1, 2]);
  const balance0 = w.purseBalance(w.observe());
  const amount = r.chance(0.1) ? balance0 + r.int(1, 100) : r.int(1, Math.max(1, Math.min(balance0, 3000)));
  const terminalId = r.bytes(6);
  const init = yield* tx(0x80, 0x50, 0x01, 0x02, 0x0b, index, uintToBytes(amount, 4), terminalId, 0x0f);
  if (sw(init) !== 0x9000) return;
  const d = body(init);
  const atc = (d[4]! << 8) | d[5]!;
  const algorithm = algorithmOf(d[10]!);
  const random = d.slice(11, 15);
  const seq = r.int(0, 0xffffffff);
  const sessionKey = epursePurchaseSessionKey(w.key(df, 'purchase', index)!.value, random, atc, seq, algorithm);
  const { date, time } = bcdDateTime(r);
  const fields = { amount, transactionType: 0x06, terminalId, date, time };
  const mac1 = r.chance(0.1) ? r.bytes(4) : epursePurchaseMac1({ ...fields, sessionKey });
  const debit = yield* tx(0x80, 0x54, 0x01, 0x00, 0x0f, uintToBytes(seq, 4), date, time, mac1, 0x08);
  if (sw(debit) !== 0x9000) return;
  if (!bytesEqual(body(debit).subarray(4, 8), epursePurchaseMac2({ sessionKey, amount })))
    throw new ProtocolViolation('MAC2 of DEBIT FOR PURCHASE does not verify');
}

function* purseBalance(w: CardWorld, r: Prng): Operation {
  if (r.chance(0.7)) yield* selectDf(w.purseDf);
  yield* tx(0x80, 0x5c, 0x00, 0x02, 0x04);
}

/** PDOL of the sample cards (card-facts §7): 9F66 4, 9F02 6, 9F03 6, 9F1A 2, 95 5, 5F2A 2, 9A 3, 9C 1, 9F37 4. */
function pdolData(r: Prng, amount: number, qpboc: boolean): Uint8Array {
  return concatBytes(
    Uint8Array.of(qpboc ? 0x20 | (r.byte() & 0xdf) : r.byte() & 0xdf, r.byte(), r.byte(), r.byte()),
    encodeBcdNumber(amount, 6),
    new Uint8Array(6),
    Uint8Array.of(0x01, 0x56),
    new Uint8Array(5),
    r.chance(0.9) ? Uint8Array.of(0x01, 0x56) : Uint8Array.of(0x08, 0x40),
    encodeBcdNumber(`${r.int(20, 39)}0101`, 3),
    Uint8Array.of(0x00),
    r.bytes(4),
  );
}

function* pbocTransaction(w: CardWorld, r: Prng): Operation {
  const df = w.pbocDf;
  if (df === undefined) return;
  yield* selectDf(df);
  const amount = r.chance(0.2) ? r.int(0, 30000) : r.int(1, 2000);
  const pdol = pdolData(r, amount, w.spec.cardInterface === 'contactless' && r.chance(0.8));
  const gpo = yield* tx(0x80, 0xa8, 0x00, 0x00, pdol.length + 2, 0x83, pdol.length, pdol, 0x00);
  if (sw(gpo) === 0x9000 && r.chance(0.7)) {
    const cdol = r.bytes(r.pick([29, 30, 40]));
    yield* tx(0x80, 0xae, r.pick([0x00, 0x40, 0x80]), 0x00, cdol.length, cdol, 0x00);
  }
  if (r.chance(0.3)) yield* tx(0x00, 0xb2, 0x01, (11 << 3) | 4, 0x00);
}

function* offlinePin(w: CardWorld, r: Prng): Operation {
  const df = w.pbocDf;
  if (df === undefined) return;
  yield* selectDf(df);
  const pin = w.pin(df, 0x80)!;
  const value = r.chance(0.6) ? pin.exportValue() : wrongPin(pin.exportValue(), r);
  const block = new Uint8Array(8).fill(0xff);
  block[0] = 0x20 | value.length;
  block.set(toPinBlock(value), 1);
  yield* tx(0x00, 0x20, 0x00, 0x80, 0x08, block);
}

function* pkiVerify(w: CardWorld, r: Prng): Operation {
  const df = w.pkiDf;
  if (df === undefined) return;
  yield* selectDf(df);
  const ref = r.pick([0x81, 0x82]);
  const pin = w.pin(df, ref)!;
  const c = yield* challenge(16);
  if (sw(c) !== 0x9000) return;
  const value = r.chance(0.7) ? pin.exportValue() : wrongPin(pin.exportValue(), r);
  yield* tx(0x00, 0x20, 0x01, ref, 0x10, pinProof(value, body(c)));
}

function* selectSomething(w: CardWorld, r: Prng): Operation {
  const dfs = [...w.card.context.mf.walk()];
  yield* selectDf(r.pick(dfs));
}

function* authAndRead(w: CardWorld, r: Prng): Operation {
  yield* selectDf(w.ssse);
  yield* externalAuth(w, 0x0a, r, r.chance(0.2));
  yield* tx(0x00, 0xb0, 0x88, 0x00, 0x00); // EF08 (photo) by SFI: needs key 0A
}

export type OperationName =
  | 'verify-right'
  | 'verify-wrong'
  | 'pin-status'
  | 'change-pin'
  | 'unblock-pin'
  | 'reload-pin'
  | 'read-card'
  | 'auth-read'
  | 'medical-purchase'
  | 'medical-load'
  | 'purse-load'
  | 'purse-purchase'
  | 'purse-balance'
  | 'pboc'
  | 'offline-pin'
  | 'pki-verify'
  | 'select';

export const OPERATIONS: readonly (readonly [number, OperationName, (w: CardWorld, r: Prng) => Operation])[] = [
  [4, 'verify-right', (w, r) => verifyPin(w, r, true)],
  [3, 'verify-wrong', (w, r) => verifyPin(w, r, false)],
  [2, 'pin-status', pinStatus],
  [2, 'change-pin', changePin],
  [2, 'unblock-pin', unblockPin],
  [1, 'reload-pin', reloadPin],
  [2, 'read-card', readCard],
  [1, 'auth-read', authAndRead],
  [5, 'medical-purchase', medicalPurchase],
  [2, 'medical-load', medicalLoad],
  [5, 'purse-load', purseLoad],
  [6, 'purse-purchase', pursePurchase],
  [1, 'purse-balance', purseBalance],
  [4, 'pboc', pbocTransaction],
  [2, 'offline-pin', offlinePin],
  [1, 'pki-verify', pkiVerify],
  [3, 'select', selectSomething],
];
