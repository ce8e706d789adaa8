// The return codes of card-spec §10.4 for what goes wrong: inputs, the card, the reader, the PSAM.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveProfilePath } from '../../emulator/index.js';
import { openReaderFunctionBackend, type ReaderFunctionBackendSpec } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend, ReaderFunctionEvent } from '../../src/reader-functions/reader-function-call.js';
import { cardInfo, expectedCardBas, psamProfileWithoutRkssse } from './profile-facts.js';
import { softwareHsmAnswers } from './software-hsm-answers.js';

const PIN = '123456';
let backend: ReaderFunctionBackend;

async function open(spec: Partial<Extract<ReaderFunctionBackendSpec, { kind: 'emulator' }>> = {}): Promise<ReaderFunctionBackend> {
  backend = await openReaderFunctionBackend({ kind: 'emulator', ...spec });
  return backend;
}

afterEach(async () => {
  await backend?.close();
});

describe('refused inputs', () => {
  it('−14 for a missing or malformed parameter, −13 for an unknown function', async () => {
    const b = await open();
    expect(await b.call('iReadCardBas', { iType: 9 })).toMatchObject({ code: -14 });
    expect(await b.call('iReadCardBas', {})).toMatchObject({ code: -14 });
    expect(await b.call('iVerifyPIN', { iType: 1 })).toEqual({ code: -14, pOutInfo: '命令参数错：缺少参数 pin' });
    expect(await b.call('iReadCard', { iType: 1, pFileAddr: 'SSSEEF05|$' })).toMatchObject({ code: -14 });
    expect(await b.call('iNoSuchFunction' as never, { iType: 1 })).toMatchObject({ code: -13 });
  });

  it('−41 and −33 for a PIN that is not 4–12 digits, and the PIN is never in the answer', async () => {
    const b = await open();
    const letters = await b.call('iVerifyPIN', { iType: 1, pin: 'abcdef' });
    expect(letters.code).toBe(-41);
    const short = await b.call('iVerifyPIN', { iType: 1, pin: '987' });
    expect(short.code).toBe(-33);
    const wrong = await b.call('iVerifyPIN', { iType: 1, pin: '975310' });
    expect(wrong.code).toBe(-51);
    for (const r of [letters, short, wrong]) expect(r.pOutInfo).not.toMatch(/abcdef|987|975310/);
  });

  it('−20 for an identifier that is not 32 hex digits, −22 for another card, −23 for malformed data', async () => {
    const b = await open();
    const base = { iType: 1, pFileAddr: 'SSSEEF05|01|$' };
    expect(await b.call('iReadCard', { ...base, pCardInfo: 'XYZ|C33012347|' })).toMatchObject({ code: -20 });
    expect(await b.call('iReadCard', { ...base, pCardInfo: `${'0'.repeat(32)}|C33012347|` })).toMatchObject({ code: -22 });
    expect(await b.call('iReadCard', { ...base, pCardInfo: cardInfo().replace(/\|$/, '') })).toMatchObject({ code: -23 });
    expect(await b.call('iReadCard', { ...base, pCardInfo: cardInfo(), pFileAddr: 'SSSEEF05|01|' })).toMatchObject({ code: -23 });
    expect(await b.call('iReadCard', { ...base, pCardInfo: cardInfo(), pFileAddr: 'DF09EF05|$' })).toMatchObject({ code: -23 });
    const pay = { iType: 1, pCardInfo: cardInfo(), pin: PIN };
    for (const pPayInfo of ['10.00|12.00|20261130101500|', '1.00|1.00|20261332101500|', '1.005|1.00|20261130101500|', '1|1|']) {
      expect(await b.call('iDoDebit', { ...pay, pPayInfo }), pPayInfo).toMatchObject({ code: -23 });
    }
  });
});

describe('the card and the readers', () => {
  it('no card → −2 on every iType; the card put back answers again; the events say so', async () => {
    const b = await open();
    const events: ReaderFunctionEvent[] = [];
    b.onEvent((e) => events.push(e));
    b.emulatedCard!.remove();
    expect(b.emulatedCard!.present).toBe(false);
    for (const iType of [1, 2, 3, 4]) expect(await b.call('iReadCardBas', { iType })).toMatchObject({ code: -2 });
    expect((await b.readers()).find((r) => r.role === 'card')?.cardPresent).toBe(false);
    b.emulatedCard!.insert();
    expect(await b.call('iReadCardBas', { iType: 3 })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
    const reader = (await b.readers()).find((r) => r.role === 'card')!.name;
    expect(events.filter((e) => e.reader === reader).map((e) => e.type)).toEqual([
      'reader-added',
      'card-inserted',
      'card-removed',
      'card-inserted',
    ]);
  });

  it('a card pulled in the middle of a call → −2; a card pulled between HSM steps → −2 at Step2', async () => {
    const pullWhileTyping = async () => {
      b.emulatedCard!.remove();
      return PIN;
    };
    const b = await open({ pinPad: pullWhileTyping });
    expect(await b.call('iVerifyPIN', { iType: 1 })).toMatchObject({ code: -2 });
    b.emulatedCard!.insert();
    const step1 = await b.call('iReadCard_HSM_Step1', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' });
    expect(step1.code).toBe(0);
    const pKey = await (await softwareHsmAnswers()).step(step1.pOutInfo);
    b.emulatedCard!.remove();
    b.emulatedCard!.insert();
    expect(await b.call('iReadCard_HSM_Step2', { pKey })).toMatchObject({ code: -2 });
  });

  it('a PIN pad: the cardholder types when no pin is given; cancelled → −31; pin given → the caller’s', async () => {
    const typed: Array<string | undefined> = ['975310', PIN, undefined];
    const b = await open({ pinPad: async () => typed.shift() });
    expect(await b.call('iVerifyPIN', { iType: 1 })).toEqual({ code: -51, pOutInfo: 'PIN校验失败，剩余次数5次' });
    expect(await b.call('iVerifyPIN', { iType: 1 })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iVerifyPIN', { iType: 1 })).toMatchObject({ code: -31 });
    expect(await b.call('iVerifyPIN', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    // The pad's VERIFY cannot change a PIN: iChangePIN needs both PINs from the caller.
    expect(await b.call('iChangePIN', { iType: 1, pin: PIN })).toMatchObject({ code: -13 });
  });

  it('a PIN pad in DF04 and per file: iDoDebit, iReadDebitRecord and iReadCard take the typed PIN', async () => {
    let typed = 0;
    const b = await open({
      pinPad: async () => {
        typed++;
        return PIN;
      },
    });
    expect(await b.call('iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '3.00|2.00|20261130120000|' })).toMatchObject({ code: 0 });
    expect(await b.call('iReadDebitRecord', { iType: 1 })).toMatchObject({
      code: 0,
      pOutInfo: expect.stringMatching(/^0\^\d{12}\^20261130120000\^3\.00\^2\.00\^\|$/),
    });
    expect(await b.call('iReadCard', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' })).toEqual({
      code: 0,
      pOutInfo: 'DF04EF15|$',
    });
    expect(typed).toBe(3);
  });

  it('a PSAM without RKSSSE → −2203 on the 3.00 card (SC §10.5), and the HSM variant reads it', async () => {
    const b = await open({ psamProfile: psamProfileWithoutRkssse() });
    expect(await b.call('iReadCardBas', { iType: 1 })).toEqual({ code: -2203, pOutInfo: 'PSAM卡内没有RKSSSE密钥' });
    const step1 = await b.call('iReadCardBas_HSM_Step1', { iType: 1 });
    const pKey = await (await softwareHsmAnswers()).cardAuthentication(step1.pOutInfo);
    expect(await b.call('iReadCardBas_HSM_Step2', { pKey })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
  });

  it('a card on SSF33 (its FCI says 02) → −2202: sscard has no SSF33 (SC §10.5)', async () => {
    const card = JSON.parse(readFileSync(resolveProfilePath('default'), 'utf8'));
    const ssse = card.mf.children.find((c: { dfName?: string }) => c.dfName === '7378312E73682EC9E7BBE1B1A3D5CF');
    ssse.fci = ssse.fci.replace(/860103$/, '860102');
    const file = join(mkdtempSync(join(tmpdir(), 'sscard-card-')), 'ssf33.json');
    writeFileSync(file, JSON.stringify(card));
    const b = await open({ profile: file });
    expect(await b.call('iReadCardBas', { iType: 1 })).toMatchObject({ code: -2202 });
  });
});
