import type { CardKey } from '../../emulator/card-key.js';
import { uintToBytes } from '../../src/bytes/bytes.js';
import { toHex } from '../../src/bytes/hex.js';
import { authenticationData, encryptDataField, secureMessagingMac } from '../../src/crypto/card-security.js';
import { epurseLoadMac2, epurseLoadSessionKey, epursePurchaseMac1, epursePurchaseSessionKey } from '../../src/crypto/epurse-mac.js';
import { pinProof } from '../../src/crypto/key-derivation.js';
import { LOAD_SESSION_TAIL, medicalMac, medicalSessionKey, purchaseSessionTail } from '../../src/crypto/medical-purse-mac.js';
import { fixedRandom, type Interactive, type TearingCase } from './tearing-harness.js';

/** The terminal side of each state-changing transaction, on the sample cards (test keys). */

export const SELECT_SSSE = '00A404000F7378312E73682EC9E7BBE1B1A3D5CF00';
export const SELECT_MEDICAL = '00A4040006D1560000050300';
const SELECT_PURSE = '00A4040008A00000063201010500';
const SELECT_PBOC = '00A4040008A00000033301010100';
const SELECT_PKI = '00A404000C53532E434552542E4144463100';
export const PIN = '123456';
export const WRONG_PIN_VERIFY = '0020000003111111';
export const RIGHT_PIN_VERIFY = '0020000003123456';
const TERMINAL = '112233445566';
const DATE = '20250301';
const TIME = '101500';

const CHALLENGE8 = fixedRandom(8);

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

/** The SM MAC (P4 §8.2) under the session key of `key` over the fixed card random. */
function mac(key: CardKey, input: string): string {
  return toHex(secureMessagingMac(key.algorithm, key.value, CHALLENGE8, bytes(input)));
}

/**
 * EXTERNAL AUTHENTICATE data after two GET CHALLENGEs (both the fixed random here): authData ‖ original.
 */
function authenticateWith(t: Interactive, key: CardKey): void {
  expectOk(t.send('0084000008'), 'GET CHALLENGE');
  expectOk(t.send('0084000008'), 'GET CHALLENGE');
  const auth = toHex(authenticationData(key.algorithm, key.value, CHALLENGE8, CHALLENGE8));
  expectOk(t.send(`008200${toHex(Uint8Array.of(key.id))}10${auth}${toHex(CHALLENGE8)}`), 'EXTERNAL AUTHENTICATE');
}

const expectOk = (answer: string, what: string) => {
  if (!answer.endsWith('9000')) throw new Error(`${what} answered ${answer}`);
  return answer.slice(0, -4);
};

export const verifyWrong: TearingCase = {
  profile: 'default',
  operation: (t) => {
    t.send(SELECT_SSSE);
    t.send(WRONG_PIN_VERIFY);
  },
};

export const verifyRight: TearingCase = {
  profile: 'default',
  setup: (t) => {
    t.send(SELECT_SSSE);
    t.send(WRONG_PIN_VERIFY);
  },
  operation: (t) => {
    t.send(SELECT_SSSE);
    expectOk(t.send(RIGHT_PIN_VERIFY), 'VERIFY');
  },
};

export const changePin: TearingCase = {
  profile: 'default',
  setup: (t) => {
    t.send(SELECT_SSSE);
    t.send(WRONG_PIN_VERIFY);
  },
  operation: (t) => {
    t.send(SELECT_SSSE);
    expectOk(t.send('805E010007123456FF654321'), 'CHANGE PIN');
  },
};

/** PIN CHANGE/UNBLOCK (P5 §6.8): PUK, a fresh random, then `84 24 00 P2` under the STK session key. */
function pinAdministration(t: Interactive, p2: '00' | '01', newPin?: string): void {
  t.send(SELECT_SSSE);
  authenticateWith(t, t.key('external-auth', 0x06));
  expectOk(t.send('0084000008'), 'GET CHALLENGE');
  const stk = t.key('secure-messaging', 0x02);
  const field = newPin === undefined ? '' : toHex(encryptDataField(stk.algorithm, stk.value, CHALLENGE8, bytes(newPin)));
  const header = `842400${p2}${toHex(Uint8Array.of(field.length / 2 + 4))}`;
  expectOk(t.send(`${header}${field}${mac(stk, `${header}${field}`)}`), 'PIN CHANGE/UNBLOCK');
}

const threeWrong = (t: Interactive) => {
  t.send(SELECT_SSSE);
  for (let i = 0; i < 3; i++) t.send(WRONG_PIN_VERIFY);
};

export const unblockPin: TearingCase = {
  profile: 'default',
  setup: threeWrong,
  operation: (t) => pinAdministration(t, '00'),
};

export const reloadPin: TearingCase = {
  profile: 'default',
  setup: threeWrong,
  operation: (t) => pinAdministration(t, '01', '987654'),
};

/** The cardholder PIN of the sample card, verified in DF04. */
function verifyMedicalPin(t: Interactive): void {
  t.send(SELECT_MEDICAL);
  const pin = [...t.card.context.mf.walk()]
    .flatMap((df) => df.pins)
    .find((p) => p.id === 0)!
    .exportValue();
  expectOk(t.send(`00200000${toHex(Uint8Array.of(pin.length / 2))}${pin}`), 'VERIFY');
}

/** Medical purchase of 12.34 yuan (plus 5.00 self-pay, 20.00 pooling): INITIALIZE, MAC1, DEBIT FOR PURCHASE. */
export const MEDICAL_ACCOUNT = 1234;
const MEDICAL_TIME = `${DATE}${TIME}`;
export function medicalPurchaseOperation(t: Interactive): void {
  verifyMedicalPin(t);
  const amounts = `${toHex(uintToBytes(MEDICAL_ACCOUNT, 4))}${toHex(uintToBytes(500, 4))}${toHex(uintToBytes(2000, 4))}`;
  const init = expectOk(t.send(`B028010113${'01'}${amounts}${TERMINAL}16`), 'INITIALIZE FOR PURCHASE');
  const seq = u32(init.slice(28, 32));
  const key = t.key('medical-purchase', 1);
  const sessionKey = medicalSessionKey(key.algorithm, key.value, fixedRandom(4), seq, purchaseSessionTail(0x42));
  const mac1 = medicalMac(key.algorithm, sessionKey, bytes(`${amounts}02${TERMINAL}${MEDICAL_TIME}`));
  expectOk(t.send(`B02C01000F00000042${MEDICAL_TIME}${toHex(mac1)}08`), 'DEBIT FOR PURCHASE');
}
export const medicalPurchase: TearingCase = { profile: 'default', operation: medicalPurchaseOperation };
export const medicalPurchase3des: TearingCase = { profile: 'ss-2.00', operation: medicalPurchaseOperation };

/** Medical load of 20.00 yuan: INITIALIZE FOR LOAD, the host's MAC2, CREDIT FOR LOAD. */
export const MEDICAL_LOAD = 2000;
export function medicalLoadOperation(t: Interactive): void {
  verifyMedicalPin(t);
  const amount = toHex(uintToBytes(MEDICAL_LOAD, 4));
  const init = expectOk(t.send(`B02800010B01${amount}${TERMINAL}10`), 'INITIALIZE FOR LOAD');
  const key = t.key('medical-load', 1);
  const sessionKey = medicalSessionKey(key.algorithm, key.value, fixedRandom(4), u32(init.slice(8, 12)), LOAD_SESSION_TAIL);
  const mac2 = medicalMac(key.algorithm, sessionKey, bytes(`${amount}01${TERMINAL}${MEDICAL_TIME}`));
  expectOk(t.send(`B02A00000B${MEDICAL_TIME}${toHex(mac2)}04`), 'CREDIT FOR LOAD');
}
export const medicalLoad: TearingCase = { profile: 'default', operation: medicalLoadOperation };
export const medicalLoad3des: TearingCase = { profile: 'ss-2.00', operation: medicalLoadOperation };

const u32 = (hex: string) => Number.parseInt(hex, 16);

export const LOAD_AMOUNT = 2000;
export const purseLoad: TearingCase = {
  profile: 'default',
  operation: (t) => {
    t.send(SELECT_PURSE);
    const amount = toHex(uintToBytes(LOAD_AMOUNT, 4));
    const init = expectOk(t.send(`805000020B01${amount}${TERMINAL}10`), 'INITIALIZE FOR LOAD');
    const atc = u32(init.slice(8, 12));
    const algorithm = init.slice(14, 16) === '04' ? 'sm4' : '3des';
    const sessionKey = epurseLoadSessionKey(t.key('load', 1).value, fixedRandom(4), atc, algorithm);
    const mac2 = epurseLoadMac2({
      sessionKey,
      amount: LOAD_AMOUNT,
      transactionType: 0x02,
      terminalId: Buffer.from(TERMINAL, 'hex'),
      date: Buffer.from(DATE, 'hex'),
      time: Buffer.from(TIME, 'hex'),
    });
    expectOk(t.send(`805200000B${DATE}${TIME}${toHex(mac2)}04`), 'CREDIT FOR LOAD');
  },
};

export const PURCHASE_AMOUNT = 350;
export const pursePurchase: TearingCase = {
  profile: 'default',
  operation: (t) => {
    t.send(SELECT_PURSE);
    const amount = toHex(uintToBytes(PURCHASE_AMOUNT, 4));
    const init = expectOk(t.send(`805001020B01${amount}${TERMINAL}0F`), 'INITIALIZE FOR PURCHASE');
    const atc = u32(init.slice(8, 12));
    const algorithm = init.slice(20, 22) === '04' ? 'sm4' : '3des';
    const seq = 0x00000042;
    const sessionKey = epursePurchaseSessionKey(t.key('purchase', 1).value, fixedRandom(4), atc, seq, algorithm);
    const mac1 = epursePurchaseMac1({
      sessionKey,
      amount: PURCHASE_AMOUNT,
      transactionType: 0x06,
      terminalId: Buffer.from(TERMINAL, 'hex'),
      date: Buffer.from(DATE, 'hex'),
      time: Buffer.from(TIME, 'hex'),
    });
    expectOk(t.send(`805401000F00000042${DATE}${TIME}${toHex(mac1)}08`), 'DEBIT FOR PURCHASE');
  },
};

/** qPBOC: GPO on the contactless interface with TTQ 20…: 5.00 yuan from the electronic cash. */
export const EC_AMOUNT = 500;
const PDOL_DATA = `26000080${'000000000500'}${'000000000000'}0156${'0000000000'}0156250301${'00'}A1B2C3D4`;
export const qpbocPurchase: TearingCase = {
  profile: 'default',
  contactless: true,
  operation: (t) => {
    t.send(SELECT_PBOC);
    expectOk(
      t.send(`80A80000${toHex(Uint8Array.of(PDOL_DATA.length / 2 + 2))}83${toHex(Uint8Array.of(PDOL_DATA.length / 2))}${PDOL_DATA}00`),
      'GPO',
    );
  },
};

export const offlinePin: TearingCase = {
  profile: 'default',
  setup: (t) => {
    t.send(SELECT_PBOC);
    t.send('002000800826111111FFFFFFFF');
  },
  operation: (t) => {
    t.send(SELECT_PBOC);
    expectOk(t.send('002000800826123456FFFFFFFF'), 'offline VERIFY');
  },
};

export const pkiVerify: TearingCase = {
  profile: 'default',
  setup: (t) => {
    t.send(SELECT_PKI);
    t.send('0084000010');
    t.send(`0020018110${'00'.repeat(16)}`);
  },
  operation: (t) => {
    t.send(SELECT_PKI);
    expectOk(t.send('0084000010'), 'GET CHALLENGE');
    expectOk(t.send(`0020018110${toHex(pinProof(PIN, fixedRandom(16)))}`), 'VERIFY (PIN proof)');
  },
};
