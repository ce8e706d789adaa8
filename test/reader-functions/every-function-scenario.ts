// One scenario that calls every reader function (READER_FUNCTION_INPUTS) on the default card of a
// terminal with the PSAM, the HSM steps answered by sscard's SoftwareHsm: issue 16's "for each
// function its output line", run unchanged on every way of calling (direct, `sscard serve` over
// HTTP and WebSocket, pcscd + vpcd). Each line is checked against what the profile data gives.
import { expect } from 'vitest';
import {
  READER_FUNCTION_NAMES,
  type ReaderFunctionCaller,
  type ReaderFunctionName,
  type ReaderFunctionResult,
} from '../../src/reader-functions/reader-function-call.js';
import { cardKey, SAMPLE_CARDS, sessionMac, tac } from '../medical/medical-reference.js';
import {
  cardBasFields,
  cardInfo,
  efContent,
  expectedCardBas,
  medicalDataObject,
  medicalRecord,
  psamTerminalNumber,
  ssseRecord,
} from './profile-facts.js';
import { softwareHsmAnswers } from './software-hsm-answers.js';

export type Call = ReaderFunctionCaller['call'];

/** One call of the scenario as every way must give it: the function, its code, its line with the randoms masked. */
export interface ScenarioResult {
  name: ReaderFunctionName;
  code: number;
  pOutInfo: string;
}

/**
 * The fields (by position in the `|`-separated line) that carry a random of this run, or a value
 * computed from one; they are masked before lines are compared, everything else is compared exactly:
 * - iReadCardBas_HSM_Step1: the internal and external authentication's process factors and originals
 *   (card and terminal randoms);
 * - the other Step1 lines of an authentication (iReadCard, iWriteCard, iReloadPIN, iUnblockPIN):
 *   the card's random (process factor) and the terminal's random (original);
 * - iReloadPIN_HSM_Step2 and iUnblockPIN_HSM_Step2: the card's random for secure messaging;
 * - iDoDebit_HSM_Step1: the card's random of INITIALIZE FOR PURCHASE;
 * - iDoDebit_HSM_Step2: MAC2, under the session key derived from that random (checked here first).
 */
const RANDOM_FIELDS: Partial<Record<ReaderFunctionName, number[]>> = {
  iReadCardBas_HSM_Step1: [4, 5, 6, 7],
  iReadCard_HSM_Step1: [2, 3],
  iWriteCard_HSM_Step1: [2, 3],
  iReloadPIN_HSM_Step1: [2, 3],
  iUnblockPIN_HSM_Step1: [2, 3],
  iReloadPIN_HSM_Step2: [2],
  iUnblockPIN_HSM_Step2: [2],
  iDoDebit_HSM_Step1: [2],
  iDoDebit_HSM_Step2: [0],
};

/** A masked field: hex of a random, of this many digits. A field that is not hex stays as it is (and fails the comparison). */
const random = (digits: number) => `<${digits} hex>`;

function masked(name: ReaderFunctionName, result: ReaderFunctionResult): string {
  const positions = RANDOM_FIELDS[name];
  if (result.code !== 0 || positions === undefined) return result.pOutInfo;
  const fields = result.pOutInfo.split('|');
  for (const at of positions) {
    const field = fields[at] ?? '';
    if (/^(?:[0-9A-F]{2})+$/.test(field)) fields[at] = random(field.length);
  }
  return fields.join('|');
}

/** A call's code and line, the line with `random(n)` where a random is masked. */
type Expected = { code: number; pOutInfo: unknown };

const PIN = '123456';
const WRONG_PIN = '000000';
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();
const yuan = (fen: number) => (fen / 100).toFixed(2);

/** What the specification's codes say in pOutInfo (card-spec §10.4). */
const wrongPin = (triesLeft: number) => ({ code: -51, pOutInfo: `PIN校验失败，剩余次数${triesLeft}次` });
const BLOCKED = { code: -52, pOutInfo: 'PIN锁定' };
// −12 says which step is missing after the code's text.
const NO_STEP = { code: -12, pOutInfo: expect.stringMatching(/^未建立连接：iReadCardBas_HSM_Step2 /) };
const DONE = { code: 0, pOutInfo: '' };
const line = (pOutInfo: string) => ({ code: 0, pOutInfo });

/**
 * Runs the scenario through `call` on a fresh default card (PIN 123456) with `psam-default` and
 * returns every call's result, randoms masked. Every line is asserted on the way; at the end, that
 * every function of READER_FUNCTION_NAMES was called and succeeded at least once.
 */
export async function everyFunctionScenario(call: Call): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const hsm = await softwareHsmAnswers();
  /** Calls, checks the code and the masked line, records them; gives the unmasked line (the next step's input). */
  const step = async (name: ReaderFunctionName, inputs: Parameters<Call>[1], want: Expected) => {
    const result = await call(name, inputs);
    const recorded = { name, code: result.code, pOutInfo: masked(name, result) };
    expect(recorded, `call ${results.length + 1}: ${name}`).toEqual({ name, ...want });
    results.push(recorded);
    return result.pOutInfo;
  };
  const verify = (pin: string, want: Expected) => step('iVerifyPIN', { iType: 1, pin }, want);
  const block = async () => {
    for (let tries = 5; tries >= 1; tries--) await verify(WRONG_PIN, wrongPin(tries));
    await verify(WRONG_PIN, BLOCKED);
    await verify(PIN, BLOCKED);
  };

  const f = cardBasFields('default');
  const pCardInfo = cardInfo();
  const terminal = psamTerminalNumber();
  const authenticationStep1 = (address: string) => line(`03|${address}|${random(16)}|${random(16)}|`);

  // iReadCardBas on each iType a contact reader also answers (2, contactless only, is not one of them).
  await step('iReadCardBas_HSM_Step2', { pKey: `${'0'.repeat(32)}|${'0'.repeat(32)}|` }, NO_STEP);
  for (const iType of [1, 3, 4]) await step('iReadCardBas', { iType }, line(expectedCardBas()));
  const cardBasStep1 = await step(
    'iReadCardBas_HSM_Step1',
    { iType: 1 },
    line(`${f.region}|${f.historical}|03|${f.identifier}|${random(16)}|${random(16)}|${random(16)}|${random(16)}|`),
  );
  await step('iReadCardBas_HSM_Step2', { pKey: await hsm.cardAuthentication(cardBasStep1) }, line(expectedCardBas()));

  // iReadCard: free SSSE items; a "PIN or RK" file with the PIN, with RK1DF04 from the PSAM, and from the HSM.
  const cardNumber = ssseRecord('default', 'EF05', 0x07).toString('latin1');
  const givenName = new TextDecoder('gbk').decode(ssseRecord('default', 'EF06', 0x09)).replace(/\0+$/, '');
  await step(
    'iReadCard',
    { iType: 3, pCardInfo, pFileAddr: 'SSSEEF05|01|03|07|$SSSEEF06|08|09|$' },
    line(`SSSEEF05|${f.identifier}|${f.spec}|${cardNumber}|$SSSEEF06|${f.ssn}|${givenName}|$`),
  );
  const insured = line(
    `DF04EF05|${medicalRecord('default', 'EF05', 0x81).toString('latin1')}|${medicalRecord('default', 'EF05', 0x84).toString('hex')}|$`,
  );
  const medicalFile = { iType: 1, pCardInfo, pFileAddr: 'DF04EF05|81|84|$' };
  await step('iReadCard', { ...medicalFile, iAuthType: 1, pin: PIN }, insured);
  await step('iReadCard', { ...medicalFile, iAuthType: 2 }, insured);
  const readStep1 = await step('iReadCard_HSM_Step1', medicalFile, authenticationStep1('0182'));
  await step('iReadCard_HSM_Step2', { pKey: await hsm.step(readStep1) }, insured);

  // iWriteCard: a record into the cyclic DF04 EF15 with UK2DF04 from the PSAM, one from the HSM; newest first.
  const cyclicFile = { iType: 1, pCardInfo, pFileAddr: 'DF04EF15|$' };
  await step('iWriteCard', { ...cyclicFile, pWriteData: 'DF04EF15|0A0B0C^|$' }, DONE);
  const writeStep1 = await step('iWriteCard_HSM_Step1', cyclicFile, authenticationStep1('017C'));
  await step('iWriteCard_HSM_Step2', { pKey: await hsm.step(writeStep1), pWriteData: 'DF04EF15|112233|$' }, DONE);
  await step('iReadCard', { ...cyclicFile, pin: PIN }, line('DF04EF15|112233^|0A0B0C^|$'));

  // The PIN: verified, changed, reloaded with STK from the PSAM and from the HSM.
  await verify(WRONG_PIN, wrongPin(5));
  await verify(PIN, DONE);
  await step('iChangePIN', { iType: 1, pin: PIN, newPin: '2468' }, DONE);
  await verify(PIN, wrongPin(5));
  await verify('2468', DONE);
  await step('iReloadPIN', { iType: 1, pCardInfo, newPin: '97531' }, DONE);
  await verify('97531', DONE);
  const reloadStep1 = await step('iReloadPIN_HSM_Step1', { iType: 1, pCardInfo }, authenticationStep1('0090'));
  // alg | STK address | card random | header (SM4: 16 encrypted + 4 MAC) | the new PIN, for the HSM to encrypt |
  const reloadStep2 = await step(
    'iReloadPIN_HSM_Step2',
    { pKey: await hsm.step(reloadStep1), newPin: PIN },
    line(`03|0173|${random(16)}|8424000114|${PIN}|`),
  );
  await step('iReloadPIN_HSM_Step3', { pKey: `8424000114${await hsm.step(reloadStep2)}` }, DONE);
  await verify(PIN, DONE);

  // The PIN blocked, and unblocked with the PSAM; blocked again, and unblocked through the HSM.
  await block();
  await step('iUnblockPIN', { iType: 1, pCardInfo }, DONE);
  await verify(PIN, DONE);
  await block();
  const unblockStep1 = await step('iUnblockPIN_HSM_Step1', { iType: 1, pCardInfo }, authenticationStep1('0090'));
  const unblockStep2 = await step(
    'iUnblockPIN_HSM_Step2',
    { pKey: await hsm.step(unblockStep1) },
    line(`03|0173|${random(16)}|8424000004||`),
  );
  await step('iUnblockPIN_HSM_Step3', { pKey: `8424000004${await hsm.step(unblockStep2)}` }, DONE);
  await verify(PIN, DONE);

  // Payments: one through the PSAM, one through the HSM; the log and the balances after them.
  // account = account + pooling, self-pay = the rest of the total, pooling 0 (README's choice).
  const balance = Number.parseInt(medicalDataObject('default', 'DF41'), 16);
  const card = SAMPLE_CARDS[0]!;
  await step('iReadDebitRecord', { iType: 1, pin: PIN }, DONE);
  await step('iReadBalance', { iType: 1, pin: PIN }, line(`${yuan(balance)}|0.00|0.00|0|`));
  const psamAmounts = `${u32(1000)}${u32(234)}${u32(0)}`;
  const psamSeq = efContent('psam-default', ['0019']);
  const psamTac = tac(card, cardKey(card, 'DTK'), `${psamAmounts}02${terminal}${psamSeq}20261130101500`);
  await step(
    'iDoDebit',
    { iType: 1, pCardInfo, pPayInfo: '12.34|10.00|20261130101500|', pin: PIN },
    line(`03|017F|${psamAmounts}|02|${terminal}|${psamSeq}|20261130101500|${psamTac}|`),
  );
  // The card's offline sequence: a fresh card's purchases count from 0, this is its second.
  const hsmAmounts = `${u32(500)}${u32(0)}${u32(0)}`;
  const offlineSeq = '0001';
  const debitStep1 = await step(
    'iDoDebit_HSM_Step1',
    { iType: 1, pCardInfo, pPayInfo: '5.00|5.00|20261130110000|', pin: PIN },
    line(`03|017F|${random(8)}|${offlineSeq}|${hsmAmounts}|02|${terminal}|20261130110000|`),
  );
  const pKey = await hsm.step(debitStep1);
  const hsmSeq = pKey.split('|')[0]!;
  const hsmTac = tac(card, cardKey(card, 'DTK'), `${hsmAmounts}02${terminal}${hsmSeq}20261130110000`);
  const debitStep2 = await step(
    'iDoDebit_HSM_Step2',
    { pKey },
    line(`${random(8)}|03|017F|${hsmAmounts}|02|${terminal}|${hsmSeq}|20261130110000|${hsmTac}|`),
  );
  const cardRandom = debitStep1.split('|')[2]!;
  expect(debitStep2.split('|')[0], 'MAC2 under the session key of the card random').toBe(
    sessionMac(card, cardKey(card, 'DPK'), `${cardRandom}${offlineSeq}${hsmSeq.slice(4)}`, hsmAmounts),
  );
  await step(
    'iReadDebitRecord',
    { iType: 1, pin: PIN },
    line(`1^${terminal}^20261130110000^5.00^5.00^|0^${terminal}^20261130101500^12.34^10.00^|`),
  );
  await step('iReadBalance', { iType: 1, pin: PIN }, line(`${yuan(balance - 1500)}|2.34|0.00|2026|`));

  const succeeded = new Set(results.filter((r) => r.code === 0).map((r) => r.name));
  expect([...succeeded].sort(), 'every reader function called, and answered 0 at least once').toEqual([...READER_FUNCTION_NAMES].sort());
  return results;
}
