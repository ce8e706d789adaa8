// Every reader function of card-spec §10.3 on the emulated terminal (the default card in a dual
// reader, the emulated PSAM): the output lines, computed from the profile data, and the effects
// on the card that the next calls see.
import { afterEach, describe, expect, it } from 'vitest';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../../src/reader-functions/reader-function-call.js';
import { cardKey, SAMPLE_CARDS, tac } from '../medical/medical-reference.js';
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

const PIN = '123456';
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();
let backend: ReaderFunctionBackend;

async function open(): Promise<ReaderFunctionBackend> {
  backend = await openReaderFunctionBackend({ kind: 'emulator' });
  return backend;
}

afterEach(async () => {
  await backend?.close();
});

describe('the reader functions on the emulated terminal', () => {
  it('iReadCardBas: the same line on every iType (contact first, contactless first, either alone)', async () => {
    const b = await open();
    // The ATS carries the contact ATR's historical bytes: the contactless line is the same.
    for (const iType of [1, 2, 3, 4]) expect(await b.call('iReadCardBas', { iType })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
  });

  it('iReadCard: SSSE items as the address names them, `an` items as text', async () => {
    const b = await open();
    const f = cardBasFields('default');
    const result = await b.call('iReadCard', {
      iType: 3,
      pCardInfo: cardInfo(),
      pFileAddr: 'SSSEEF05|01|03|07|$SSSEEF06|08|09|$',
    });
    const cardNumber = ssseRecord('default', 'EF05', 0x07).toString('latin1');
    const name = new TextDecoder('gbk').decode(ssseRecord('default', 'EF06', 0x09)).replace(/\0+$/, '');
    expect(result).toEqual({ code: 0, pOutInfo: `SSSEEF05|${f.identifier}|${f.spec}|${cardNumber}|$SSSEEF06|${f.ssn}|${name}|$` });
  });

  it('iReadCard: a "PIN or RK" file with the PIN (iAuthType 1) or with RK1DF04 from the PSAM (iAuthType 2)', async () => {
    const b = await open();
    const insured = medicalRecord('default', 'EF05', 0x81).toString('latin1');
    const region = medicalRecord('default', 'EF05', 0x84).toString('hex');
    const want = { code: 0, pOutInfo: `DF04EF05|${insured}|${region}|$` };
    const address = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF05|81|84|$' };
    expect(await b.call('iReadCard', { ...address, iAuthType: 1, pin: PIN })).toEqual(want);
    expect(await b.call('iReadCard', { ...address, iAuthType: 2 })).toEqual(want);
    expect((await b.call('iReadCard', { ...address, iAuthType: 1 })).code).toBe(-14);
  });

  it('iWriteCard: a new record in the cyclic DF04 EF15 after UK2DF04 from the PSAM; iReadCard shows it', async () => {
    const b = await open();
    const target = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' };
    expect(await b.call('iWriteCard', { ...target, pWriteData: 'DF04EF15|0A0B0C^|$' })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iWriteCard', { ...target, pWriteData: 'DF04EF15|112233|$' })).toEqual({ code: 0, pOutInfo: '' });
    // A cyclic file lists its records newest first, each as one hex item ending in "^".
    expect(await b.call('iReadCard', { ...target, pin: PIN })).toEqual({ code: 0, pOutInfo: 'DF04EF15|112233^|0A0B0C^|$' });
    expect((await b.call('iWriteCard', { ...target, pFileAddr: 'DF04EF08|$', pWriteData: 'DF04EF08|00|$' })).code).toBe(-23);
    expect((await b.call('iWriteCard', { ...target, pWriteData: 'DF04EF06|00|$' })).code).toBe(-23);
  });

  it('iVerifyPIN and iChangePIN: empty output; the new PIN is the one that verifies', async () => {
    const b = await open();
    expect(await b.call('iVerifyPIN', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iChangePIN', { iType: 1, pin: PIN, newPin: '2468' })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iVerifyPIN', { iType: 2, pin: '2468' })).toEqual({ code: 0, pOutInfo: '' });
    expect((await b.call('iVerifyPIN', { iType: 1, pin: PIN })).code).toBe(-51);
  });

  it('iReloadPIN and iUnblockPIN: PUK and STK from the PSAM; a blocked PIN works again', async () => {
    const b = await open();
    for (let tries = 5; tries >= 1; tries--) {
      expect(await b.call('iVerifyPIN', { iType: 1, pin: '000000' })).toEqual({ code: -51, pOutInfo: `PIN校验失败，剩余次数${tries}次` });
    }
    expect(await b.call('iVerifyPIN', { iType: 1, pin: '000000' })).toEqual({ code: -52, pOutInfo: 'PIN锁定' });
    expect((await b.call('iVerifyPIN', { iType: 1, pin: PIN })).code).toBe(-52);
    expect(await b.call('iUnblockPIN', { iType: 1, pCardInfo: cardInfo() })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iVerifyPIN', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iReloadPIN', { iType: 1, pCardInfo: cardInfo(), newPin: '97531' })).toEqual({ code: 0, pOutInfo: '' });
    expect(await b.call('iVerifyPIN', { iType: 1, pin: '97531' })).toEqual({ code: 0, pOutInfo: '' });
  });

  it('iDoDebit: pays through the PSAM; the line carries the TAC the card computed under DTK (node:crypto)', async () => {
    const b = await open();
    const result = await b.call('iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '12.34|10.00|20261130101500|', pin: PIN });
    expect(result.code).toBe(0);
    // account = account + pooling (10.00), self-pay = the rest (2.34), pooling 0 [choice]
    const amounts = `${u32(1000)}${u32(234)}${u32(0)}`;
    const terminal = psamTerminalNumber();
    const seq = efContent('psam-default', ['0019']);
    const mac = tac(SAMPLE_CARDS[0]!, cardKey(SAMPLE_CARDS[0]!, 'DTK'), `${amounts}02${terminal}${seq}20261130101500`);
    expect(result.pOutInfo).toBe(`03|017F|${amounts}|02|${terminal}|${seq}|20261130101500|${mac}|`);
  });

  it('iReadDebitRecord: the purchases of the log, newest first, with the two amounts of pPayInfo', async () => {
    const b = await open();
    expect(await b.call('iReadDebitRecord', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    for (const pay of ['12.34|10.00|20261130101500|', '5.00|5.00|20261130110000|']) {
      expect((await b.call('iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: pay, pin: PIN })).code).toBe(0);
    }
    const terminal = psamTerminalNumber();
    // A fresh card's purchases count from 0 (its offline sequence).
    expect(await b.call('iReadDebitRecord', { iType: 1, pin: PIN })).toEqual({
      code: 0,
      pOutInfo: `1^${terminal}^20261130110000^5.00^5.00^|0^${terminal}^20261130101500^12.34^10.00^|`,
    });
  });

  it('iReadBalance (sscard extension): account, self-pay and pooling totals in yuan, payment year; a payment shows', async () => {
    const b = await open();
    const balance = Number.parseInt(medicalDataObject('default', 'DF41'), 16);
    expect(await b.call('iReadBalance', { iType: 1, pin: PIN })).toEqual({
      code: 0,
      pOutInfo: `${(balance / 100).toFixed(2)}|0.00|0.00|0|`,
    });
    await b.call('iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '12.34|10.00|20261130101500|', pin: PIN });
    expect(await b.call('iReadBalance', { iType: 1, pin: PIN })).toEqual({
      code: 0,
      pOutInfo: `${((balance - 1000) / 100).toFixed(2)}|2.34|0.00|2026|`,
    });
  });
});
