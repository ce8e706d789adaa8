import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CardStateData } from '../../emulator/card-state.js';
import { TearingBench, type TearingCase, type TornRun } from './tearing-harness.js';
import {
  changePin,
  EC_AMOUNT,
  LOAD_AMOUNT,
  MEDICAL_ACCOUNT,
  MEDICAL_LOAD,
  medicalLoad,
  medicalLoad3des,
  medicalLoadOperation,
  medicalPurchase,
  medicalPurchase3des,
  medicalPurchaseOperation,
  offlinePin,
  PURCHASE_AMOUNT,
  pkiVerify,
  purseLoad,
  pursePurchase,
  qpbocPurchase,
  RIGHT_PIN_VERIFY,
  reloadPin,
  SELECT_SSSE,
  unblockPin,
  verifyRight,
  verifyWrong,
} from './transactions.js';

/**
 * Tearing: the emulator process is SIGKILLed at every state write of every state-changing
 * transaction (SSCARD_EMULATOR_CRASH_AT, armed for the transaction's last command only). After
 * the restart the state file loads and is the old state or the completed one — never a mix —
 * except the designed intermediate of a PIN check (the try spent before comparing).
 */

const bench = new TearingBench();
afterAll(() => bench.dispose());

const SELECT_MEDICAL_DF = '00A4040006D1560000050300';
const SS_PIN = '3F00/7378312E73682EC9E7BBE1B1A3D5CF#00';
type Expect = 'old' | 'completed' | ((r: TornRun) => void);

function pinOf(state: CardStateData, suffix: string) {
  const entry = Object.entries(state.pins).find(([k]) => k.endsWith(suffix));
  if (entry === undefined) throw new Error(`no PIN ${suffix} in ${Object.keys(state.pins).join(', ')}`);
  return entry[1];
}

/** A PIN check torn after the try was spent: exactly one try gone, nothing else changed. */
const oneTrySpent = (suffix: string) => (r: TornRun) => {
  const old = pinOf(r.old, suffix);
  expect(pinOf(r.torn, suffix)).toEqual({ value: old.value, triesLeft: old.triesLeft - 1 });
  expect({ ...r.torn, pins: {} }).toEqual({ ...r.old, pins: {} });
};

function tearAll(name: string, c: TearingCase, points: Record<string, Expect>, after?: (r: TornRun, point: string) => void) {
  describe(name, () => {
    for (const [point, expected] of Object.entries(points)) {
      it(`killed at ${point}: ${typeof expected === 'string' ? `the ${expected} state` : 'no extra try, no mix'}`, () => {
        const r = bench.tear(c, point);
        expect(r.signal, `the crash point ${point} was never reached`).toBe('SIGKILL');
        expect(r.completed).not.toEqual(r.old);
        if (expected === 'old') expect(r.torn).toEqual(r.old);
        else if (expected === 'completed') expect(r.torn).toEqual(r.completed);
        else expected(r);
        // A temp file is left only when killed between writing it and the rename; the next owner
        // of the state (the restarted card, past the dead pid's lock) removes it.
        expect(r.leftovers.length).toBe(point === 'state:temp-written' ? 1 : 0);
        expect(r.afterRestart).toEqual([]);
        after?.(r, point);
      });
    }
  });
}

const SSSE_PIN_STATUS = (r: TornRun) => {
  // The restarted card reports exactly the tries the state holds: a torn check never gave one back.
  r.restarted.send(SELECT_SSSE);
  const tries = pinOf(r.torn, SS_PIN.slice(-3)).triesLeft;
  expect(r.restarted.send('00200000')).toBe(tries === 0 ? '6983' : `63C${tries}`);
};

tearAll(
  'VERIFY, wrong PIN',
  verifyWrong,
  { 'state:temp-written': 'old', 'verify:decremented': 'completed', 'state:saved': 'completed', response: 'completed' },
  SSSE_PIN_STATUS,
);

tearAll(
  'VERIFY, right PIN after a wrong one',
  verifyRight,
  { 'state:temp-written': 'old', 'verify:decremented': oneTrySpent('#00'), 'verify:restored': 'completed', response: 'completed' },
  SSSE_PIN_STATUS,
);

tearAll(
  'CHANGE PIN',
  changePin,
  {
    'state:temp-written': 'old',
    'change-pin:decremented': oneTrySpent('#00'),
    'change-pin:restored': (r) => {
      // Old PIN proven, counter restored, the new value not yet written: the old PIN still works.
      expect(pinOf(r.torn, '#00')).toEqual({ value: '123456', triesLeft: 6 });
    },
    'change-pin:changed': 'completed',
    response: 'completed',
  },
  (r) => {
    // The value is the old PIN or the new one, never a mix, and it works after the restart.
    const value = pinOf(r.torn, '#00').value;
    expect(['123456', '654321']).toContain(value);
    r.restarted.send(SELECT_SSSE);
    expect(r.restarted.send(`0020000003${value}`)).toBe('9000');
  },
);

/** PIN CHANGE/UNBLOCK torn after PUK's try was spent and before the MAC was compared: only that try is gone. */
const pukTrySpent = (r: TornRun) => {
  const key = (state: CardStateData) => Object.entries(state.keys).find(([k]) => k.endsWith('#06:external-auth'))![1];
  expect(key(r.torn)).toEqual({ errorsLeft: key(r.old).errorsLeft! - 1 });
  expect({ ...r.torn, keys: {} }).toEqual({ ...r.old, keys: {} });
};

tearAll(
  'PIN UNBLOCK 84 24 00 00 (after PUK, MAC under STK)',
  unblockPin,
  { 'state:temp-written': 'old', 'state:saved': pukTrySpent, 'pin-admin:decremented': pukTrySpent, response: 'completed' },
  SSSE_PIN_STATUS,
);
tearAll(
  'PIN RELOAD 84 24 00 01 (after PUK, encrypted PIN and MAC under STK)',
  reloadPin,
  { 'state:temp-written': 'old', 'state:saved': pukTrySpent, 'pin-admin:decremented': pukTrySpent, response: 'completed' },
  (r, point) => {
    SSSE_PIN_STATUS(r);
    // A torn reload leaves the old PIN or the new one, nothing else.
    expect(['123456', '987654']).toContain(pinOf(r.torn, '#00').value);
    if (point === 'response') expect(pinOf(r.torn, '#00')).toEqual({ value: '987654', triesLeft: 6 });
  },
);

tearAll('offline PIN of the PBOC application', offlinePin, {
  'state:temp-written': 'old',
  'pboc-verify:decremented': oneTrySpent('#80'),
  'pboc-verify:restored': 'completed',
});

tearAll('PKI VERIFY with a PIN proof', pkiVerify, {
  'state:temp-written': 'old',
  'pki-verify:decremented': oneTrySpent('#81'),
  'pki-verify:restored': 'completed',
});

interface MedicalPurseState {
  balance: number;
  onlineSeq: number;
  offlineSeq: number;
  proofs: { load?: { seq: number; mac: string; tac: string }; purchase?: { seq: number; mac: string; tac: string } };
}

function medicalPurse(state: CardStateData): MedicalPurseState | undefined {
  return state.applications['ssse-medical'] as MedicalPurseState | undefined;
}

function medicalLog(state: CardStateData): number {
  const log = Object.entries(state.files).find(([k]) => k.endsWith('D15600000503/EF08') || k.endsWith('DF04/EF08'));
  return log === undefined ? 0 : (log[1] as { records: string[] }).records.length;
}

for (const [name, c, kind, operation, delta] of [
  ['medical DEBIT FOR PURCHASE (SM4 card)', medicalPurchase, 'purchase', medicalPurchaseOperation, -MEDICAL_ACCOUNT],
  ['medical DEBIT FOR PURCHASE (3DES card)', medicalPurchase3des, 'purchase', medicalPurchaseOperation, -MEDICAL_ACCOUNT],
  ['medical CREDIT FOR LOAD (SM4 card)', medicalLoad, 'load', medicalLoadOperation, MEDICAL_LOAD],
  ['medical CREDIT FOR LOAD (3DES card)', medicalLoad3des, 'load', medicalLoadOperation, MEDICAL_LOAD],
] as const) {
  tearAll(
    name,
    c,
    {
      [`medical:${kind}:checked`]: 'old',
      'state:temp-written': 'old',
      [`medical:${kind}:committed`]: 'completed',
      response: 'completed',
    },
    (r) => {
      const done = medicalPurse(r.completed)!;
      const proof = done.proofs[kind]!;
      const before = done.balance - delta;
      const torn = medicalPurse(r.torn);
      const tornBalance = torn?.balance ?? before;
      // The balance moved once or never, and the log holds a record exactly when it moved.
      expect([before, done.balance]).toContain(tornBalance);
      expect(medicalLog(r.torn)).toBe(tornBalance === before ? medicalLog(r.completed) - 1 : medicalLog(r.completed));
      // The terminal lost the answer: it asks the restarted card for the proof (card-spec §7.4).
      const t = r.restarted;
      t.send(SELECT_MEDICAL_DF);
      const answer = t.send(`B02E00${kind === 'load' ? '01' : '02'}02${proof.seq.toString(16).padStart(4, '0')}08`);
      if (tornBalance === done.balance) {
        expect(answer).toBe(`${proof.mac}${proof.tac}9000`);
      } else {
        expect(answer).toBe('9406');
        // Not done: the terminal starts again with INITIALIZE, and the card moves the money once.
        operation(t);
        expect(medicalPurse(t.card.context.snapshot())!.balance).toBe(done.balance);
      }
    },
  );
}

function purse(state: CardStateData): { balance: number; onlineAtc: number; offlineAtc: number } | undefined {
  return state.applications['transport-purse'] as { balance: number; onlineAtc: number; offlineAtc: number } | undefined;
}

tearAll(
  'e-purse CREDIT FOR LOAD',
  purseLoad,
  { 'purse:load:before': 'old', 'state:temp-written': 'old', 'purse:load:committed': 'completed', response: 'completed' },
  (r) => {
    const done = purse(r.completed)!;
    const torn = purse(r.torn);
    if (torn !== undefined) expect([done.balance - LOAD_AMOUNT, done.balance]).toContain(torn.balance);
    // The restarted purse answers the balance the state holds.
    r.restarted.send('00A4040008A00000063201010500');
    const balance = torn?.balance ?? done.balance - LOAD_AMOUNT;
    expect(r.restarted.send('805C000204')).toBe(`${balance.toString(16).toUpperCase().padStart(8, '0')}9000`);
  },
);

tearAll(
  'e-purse DEBIT FOR PURCHASE',
  pursePurchase,
  { 'purse:purchase:before': 'old', 'state:temp-written': 'old', 'purse:purchase:committed': 'completed', response: 'completed' },
  (r) => {
    const done = purse(r.completed)!;
    const torn = purse(r.torn);
    if (torn !== undefined) {
      expect([done.balance + PURCHASE_AMOUNT, done.balance]).toContain(torn.balance);
      expect(torn.offlineAtc - (torn.balance === done.balance ? 1 : 0)).toBe(done.offlineAtc - 1);
    }
  },
);

tearAll(
  'qPBOC electronic-cash purchase',
  qpbocPurchase,
  { 'pboc-purchase:before': 'old', 'state:temp-written': 'old', 'pboc-purchase:committed': 'completed', response: 'completed' },
  (r) => {
    const done = r.completed.applications['pboc-debit'] as { ecBalance: number; atc: number };
    const torn = r.torn.applications['pboc-debit'] as { ecBalance: number; atc: number } | undefined;
    if (torn !== undefined) expect([done.ecBalance + EC_AMOUNT, done.ecBalance]).toContain(torn.ecBalance);
  },
);

const TEST_MINIMAL = fileURLToPath(new URL('../../emulator/profiles/test-minimal.json', import.meta.url));
tearAll(
  'EXTERNAL AUTHENTICATE with an error counter (key 0C), wrong cryptogram',
  {
    profile: TEST_MINIMAL,
    operation: (t) => {
      t.send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
      t.send('0084000008');
      t.send(`0082000C10${'00'.repeat(16)}`);
    },
  },
  { 'state:temp-written': 'old', 'external-auth:decremented': 'completed', response: 'completed' },
);

/** UPDATE RECORD adding a record on the test card (update right: the PIN): the file has it or not. */
function addRecord(name: string, command: string, read: string, before: string, after: string) {
  tearAll(
    name,
    {
      profile: TEST_MINIMAL,
      operation: (t) => {
        t.send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
        t.send(RIGHT_PIN_VERIFY);
        t.send(command);
      },
    },
    { 'state:temp-written': 'old', 'state:saved': 'completed', response: 'completed' },
    (r, point) => {
      r.restarted.send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
      expect(r.restarted.send(read)).toBe(point === 'state:temp-written' ? before : after);
    },
  );
}
addRecord('UPDATE RECORD appending record 5 to a linear file', '00DC0534030E0101', '00B2053403', '6A83', '0E01019000');
addRecord('UPDATE RECORD adding record 1 to a cyclic file (mode 011)', '00DC005B04000000AA', '00B2015C04', '000000039000', '000000AA9000');

describe('a right PIN torn mid-check', () => {
  it('six torn right VERIFYs in a row block the PIN: tearing never buys a try', () => {
    let r = bench.tear(verifyWrong, 'verify:decremented');
    for (let i = 0; i < 3; i++) {
      expect(r.signal).toBe('SIGKILL');
      r = bench.tear(verifyWrong, 'verify:decremented');
    }
    expect(pinOf(r.torn, '#00').triesLeft).toBe(5);
    r.restarted.send(SELECT_SSSE);
    expect(r.restarted.send(RIGHT_PIN_VERIFY)).toBe('9000');
  });
});
