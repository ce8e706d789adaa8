// The HSM variants end to end (card-spec §10.3, §10.5): each Step's line goes to the software HSM
// as its request (the card's region and historical bytes appended, as the business system knows
// them from iReadCardBas), the HSM's answer is the next Step's pKey. The results are the same as
// the PSAM functions'.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../../src/reader-functions/reader-function-call.js';
import { cardKey, SAMPLE_CARDS, sessionMac, tac } from '../medical/medical-reference.js';
import { cardInfo } from './profile-facts.js';
import { type HsmAnswers, softwareHsmAnswers } from './software-hsm-answers.js';

const PIN = '123456';
let backend: ReaderFunctionBackend;
let ask: HsmAnswers['step'];

beforeEach(async () => {
  // A terminal without PSAM: the HSM variants are its way (SC §10.5).
  backend = await openReaderFunctionBackend({ kind: 'emulator', psamProfile: null });
  ask = (await softwareHsmAnswers()).step;
});
afterEach(async () => {
  await backend.close();
});

async function ok(name: Parameters<ReaderFunctionBackend['call']>[0], inputs: object): Promise<string> {
  const result = await backend.call(name, inputs);
  expect(result, `${name}: ${result.pOutInfo}`).toMatchObject({ code: 0 });
  return result.pOutInfo;
}

describe('the HSM variants with the software HSM', () => {
  it('without a PSAM the PSAM functions answer −2201, the fallback code', async () => {
    for (const [name, inputs] of [
      ['iReadCardBas', { iType: 1 }],
      ['iReloadPIN', { iType: 1, pCardInfo: cardInfo(), newPin: PIN }],
      ['iUnblockPIN', { iType: 1, pCardInfo: cardInfo() }],
      ['iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '1.00|1.00|20261130101500|', pin: PIN }],
      ['iWriteCard', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$', pWriteData: 'DF04EF15|010203|$' }],
    ] as const) {
      expect(await backend.call(name, inputs)).toEqual({ code: -2201, pOutInfo: '无PSAM卡' });
    }
  });

  it('iReadCard_HSM: RK1DF04 through the HSM reads DF04 EF05 as iReadCard does; a free file is −2204', async () => {
    const address = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF05|81|84|$' };
    const step1 = await ok('iReadCard_HSM_Step1', address);
    expect(step1).toMatch(/^03\|0182\|[0-9A-F]{16}\|[0-9A-F]{16}\|$/);
    const line = await ok('iReadCard_HSM_Step2', { pKey: await ask(step1) });
    expect(line).toBe(await ok('iReadCard', { ...address, pin: PIN }));
    expect(await backend.call('iReadCard_HSM_Step1', { ...address, pFileAddr: 'SSSEEF05|01|$' })).toEqual({
      code: -2204,
      pOutInfo: '不需要加密机认证',
    });
  });

  it('iWriteCard_HSM: UK2DF04 through the HSM, then the data of Step2 is in the file', async () => {
    const target = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' };
    const step1 = await ok('iWriteCard_HSM_Step1', target);
    expect(step1).toMatch(/^03\|017C\|[0-9A-F]{16}\|[0-9A-F]{16}\|$/);
    expect(await ok('iWriteCard_HSM_Step2', { pKey: await ask(step1), pWriteData: 'DF04EF15|C0FFEE^|$' })).toBe('');
    expect(await ok('iReadCard', { ...target, pin: PIN })).toBe('DF04EF15|C0FFEE^|$');
  });

  it('iReloadPIN_HSM: PUK, then the secure-messaging inputs with the new PIN, then the HSM-encrypted reload', async () => {
    const step1 = await ok('iReloadPIN_HSM_Step1', { iType: 1, pCardInfo: cardInfo() });
    expect(step1).toMatch(/^03\|0090\|[0-9A-F]{16}\|[0-9A-F]{16}\|$/);
    const step2 = await ok('iReloadPIN_HSM_Step2', { pKey: await ask(step1), newPin: '864200' });
    // alg | STK address | card random | header (SM4: 16 encrypted + 4 MAC) | new PIN |
    expect(step2).toMatch(/^03\|0173\|[0-9A-F]{16}\|8424000114\|864200\|$/);
    const pKey = await ask(step2);
    expect(pKey).toHaveLength(40);
    expect(await ok('iReloadPIN_HSM_Step3', { pKey: `8424000114${pKey}` })).toBe('');
    expect(await ok('iVerifyPIN', { iType: 1, pin: '864200' })).toBe('');
  });

  it('iUnblockPIN_HSM: the blocked PIN works again after header ‖ MAC from the HSM', async () => {
    for (let i = 0; i < 6; i++) await backend.call('iVerifyPIN', { iType: 1, pin: '000000' });
    expect((await backend.call('iVerifyPIN', { iType: 1, pin: PIN })).code).toBe(-52);
    const step1 = await ok('iUnblockPIN_HSM_Step1', { iType: 1, pCardInfo: cardInfo() });
    const step2 = await ok('iUnblockPIN_HSM_Step2', { pKey: await ask(step1) });
    expect(step2).toMatch(/^03\|0173\|[0-9A-F]{16}\|8424000004\|\|$/);
    const mac = await ask(step2);
    expect(await ok('iUnblockPIN_HSM_Step3', { pKey: `8424000004${mac}` })).toBe('');
    expect(await ok('iVerifyPIN', { iType: 1, pin: PIN })).toBe('');
  });

  it('iDoDebit_HSM: MAC1 from the HSM; MAC2 and TAC as the key file gives them (node:crypto)', async () => {
    const card = SAMPLE_CARDS[0]!;
    const step1 = await ok('iDoDebit_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '12.34|10.00|20261130101500|', pin: PIN });
    const [alg, address, random, offlineSeq, amounts, type, terminal, time] = step1.split('|');
    expect([alg, address, amounts, type, terminal, time]).toEqual([
      '03',
      '017F',
      '000003E8000000EA00000000',
      '02',
      '000000000000',
      '20261130101500',
    ]);
    const pKey = await ask(step1);
    const [terminalSeq] = pKey.split('|');
    const step2 = await ok('iDoDebit_HSM_Step2', { pKey });
    const dpk = cardKey(card, 'DPK');
    const mac2 = sessionMac(card, dpk, `${random}${offlineSeq}${terminalSeq!.slice(4)}`, amounts!);
    const tacValue = tac(card, cardKey(card, 'DTK'), `${amounts}02${terminal}${terminalSeq}${time}`);
    expect(step2).toBe(`${mac2}|03|017F|${amounts}|02|${terminal}|${terminalSeq}|${time}|${tacValue}|`);
    expect(await ok('iReadDebitRecord', { iType: 1, pin: PIN })).toBe(`0^${terminal}^${time}^12.34^10.00^|`);
  });
});

describe('the steps between them', () => {
  it('Step2 without Step1, after another call, or after the timeout answers −12; the card was powered off', async () => {
    expect((await backend.call('iReadCardBas_HSM_Step2', { pKey: '00|00|' })).code).toBe(-12);
    const step1 = await ok('iReadCard_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' });
    await ok('iVerifyPIN', { iType: 1, pin: PIN });
    expect((await backend.call('iReadCard_HSM_Step2', { pKey: await ask(step1) })).code).toBe(-12);
    await backend.close();
    backend = await openReaderFunctionBackend({ kind: 'emulator', psamProfile: null, stepTimeoutMs: 20 });
    const again = await ok('iReadCard_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await backend.call('iReadCard_HSM_Step2', { pKey: await ask(again) })).code).toBe(-12);
  });

  it('a pKey for other randoms is refused: −22 for another original, −41/−42 for bad hex', async () => {
    const step1 = await ok('iReadCard_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' });
    const pKey = await ask(step1);
    expect((await backend.call('iReadCard_HSM_Step2', { pKey: `${pKey.slice(0, 16)}${'0'.repeat(16)}` })).code).toBe(-22);
    for (const [bad, code] of [
      ['XY'.repeat(16), -41],
      ['00'.repeat(15), -42],
    ] as const) {
      await ok('iReadCard_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' });
      expect((await backend.call('iReadCard_HSM_Step2', { pKey: bad })).code).toBe(code);
    }
  });
});
