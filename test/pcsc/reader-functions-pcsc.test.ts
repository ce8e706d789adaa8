// The reader functions over the real PC/SC stack (issue 16's Must-show): the emulated default card
// in vpcd's slot 00, the emulated PSAM in slot 01, reached by openReaderFunctionBackend's PC/SC
// readers through pcscd. The lines are those of the emulated terminal (computed from the profiles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard, profileKeysPath } from '../../emulator/index.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend, ReaderFunctionEvent } from '../../src/reader-functions/reader-function-call.js';
import { cardKey, SAMPLE_CARDS, tac } from '../medical/medical-reference.js';
import {
  cardBasFields,
  cardInfo,
  efContent,
  expectedCardBas,
  medicalDataObject,
  psamTerminalNumber,
} from '../reader-functions/profile-facts.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/reader-functions-pcsc.test.ts');
const PIN = '123456';
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();

describe.skipIf(!enabled)('the reader functions through pcscd + vpcd: card in slot 00, PSAM in slot 01', () => {
  const removals: Array<() => Promise<void>> = [];
  let backend: ReaderFunctionBackend;
  beforeAll(async () => {
    removals.push((await insertCard(openCard({ profile: 'default' }), SLOT0)).remove);
    removals.push((await insertCard(openCard({ profile: 'psam-default' }), SLOT1)).remove);
    backend = await openReaderFunctionBackend({ kind: 'pcsc', cardReader: SLOT0.reader, psamReader: SLOT1.reader, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await backend?.close();
    for (const remove of removals) await remove();
  });

  it('lists the two readers with their roles and cards, and tells a new listener about them', async () => {
    const events: ReaderFunctionEvent[] = [];
    const off = backend.onEvent((event) => events.push(event));
    off();
    for (const slot of [SLOT0, SLOT1]) {
      expect(events).toContainEqual({ type: 'reader-added', reader: slot.reader });
      expect(events).toContainEqual({ type: 'card-inserted', reader: slot.reader });
    }
    const readers = await backend.readers();
    expect(readers.find((r) => r.name === SLOT0.reader)).toEqual({ name: SLOT0.reader, role: 'card', cardPresent: true });
    expect(readers.find((r) => r.name === SLOT1.reader)).toEqual({ name: SLOT1.reader, role: 'psam', cardPresent: true });
  });

  it('iReadCardBas, iReadCard, iVerifyPIN, iChangePIN, iReloadPIN, iUnblockPIN, iWriteCard: their lines', async () => {
    expect(await backend.call('iReadCardBas', { iType: 3 })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
    // Slot 00 is a contact reader: nothing on the contactless interface.
    expect(await backend.call('iReadCardBas', { iType: 2 })).toMatchObject({ code: -2 });
    const f = cardBasFields('default');
    expect(await backend.call('iReadCard', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'SSSEEF05|01|03|$' })).toEqual({
      code: 0,
      pOutInfo: `SSSEEF05|${f.identifier}|${f.spec}|$`,
    });
    expect(await backend.call('iVerifyPIN', { iType: 1, pin: '000000' })).toEqual({ code: -51, pOutInfo: 'PIN校验失败，剩余次数5次' });
    expect(await backend.call('iVerifyPIN', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    expect(await backend.call('iChangePIN', { iType: 1, pin: PIN, newPin: '2468' })).toEqual({ code: 0, pOutInfo: '' });
    expect(await backend.call('iReloadPIN', { iType: 1, pCardInfo: cardInfo(), newPin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    expect(await backend.call('iUnblockPIN', { iType: 1, pCardInfo: cardInfo() })).toEqual({ code: 0, pOutInfo: '' });
    expect(await backend.call('iVerifyPIN', { iType: 1, pin: PIN })).toEqual({ code: 0, pOutInfo: '' });
    const file = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' };
    expect(await backend.call('iWriteCard', { ...file, pWriteData: 'DF04EF15|ABCDEF^|$' })).toEqual({ code: 0, pOutInfo: '' });
    expect(await backend.call('iReadCard', { ...file, iAuthType: 2 })).toEqual({ code: 0, pOutInfo: 'DF04EF15|ABCDEF^|$' });
  });

  it('iDoDebit with the PSAM and iReadDebitRecord: the TAC checked by node:crypto', async () => {
    const r = await backend.call('iDoDebit', { iType: 1, pCardInfo: cardInfo(), pPayInfo: '12.34|10.00|20261130101500|', pin: PIN });
    const amounts = `${u32(1000)}${u32(234)}${u32(0)}`;
    const terminal = psamTerminalNumber();
    const seq = efContent('psam-default', ['0019']);
    const card = SAMPLE_CARDS[0]!;
    const mac = tac(card, cardKey(card, 'DTK'), `${amounts}02${terminal}${seq}20261130101500`);
    expect(r).toEqual({ code: 0, pOutInfo: `03|017F|${amounts}|02|${terminal}|${seq}|20261130101500|${mac}|` });
    expect(await backend.call('iReadDebitRecord', { iType: 1, pin: PIN })).toEqual({
      code: 0,
      pOutInfo: `0^${terminal}^20261130101500^12.34^10.00^|`,
    });
    const balance = Number.parseInt(medicalDataObject('default', 'DF41'), 16) - 1000;
    expect(await backend.call('iReadBalance', { iType: 1, pin: PIN })).toEqual({
      code: 0,
      pOutInfo: `${(balance / 100).toFixed(2)}|2.34|0.00|2026|`,
    });
  });

  it('iReadCardBas_HSM: the card held between the steps; Step2 gives the PSAM path’s line', async () => {
    const step1 = await backend.call('iReadCardBas_HSM_Step1', { iType: 1 });
    expect(step1.code).toBe(0);
    const pKey = await (await SoftwareHsm.fromFile(profileKeysPath('default'))).request(`${step1.pOutInfo}|`);
    expect(await backend.call('iReadCardBas_HSM_Step2', { pKey })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
  });
});
