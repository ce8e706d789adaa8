import { afterEach, describe, expect, it } from 'vitest';
import { profileKeysPath } from '../../emulator/index.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../../src/reader-functions/reader-function-call.js';
import { cardBasFields, expectedCardBas } from './profile-facts.js';
import { softwareHsmAnswers } from './software-hsm-answers.js';

let backend: ReaderFunctionBackend | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

describe('iReadCardBas_HSM_Step1/Step2 with the software HSM (card-spec §10.3, §10.5)', () => {
  it('Step1 → the HSM answers the card-authentication request → Step2 gives the same 11-field line', async () => {
    backend = await openReaderFunctionBackend({ kind: 'emulator' });
    const step1 = await backend.call('iReadCardBas_HSM_Step1', { iType: 3 });
    expect(step1.code).toBe(0);
    const fields = step1.pOutInfo.split('|');
    const facts = cardBasFields('default');
    // region | historical | algorithm id (SM4) | identifier | int factor | int original | ext factor | ext original |
    expect(fields.slice(0, 4)).toEqual([facts.region, facts.historical, '03', facts.identifier]);
    expect(fields.slice(4, 8).every((f) => /^[0-9A-F]{16}$/.test(f))).toBe(true);
    expect(fields[8]).toBe('');
    const hsm = await SoftwareHsm.fromFile(profileKeysPath('default'));
    const pKey = await hsm.request(`${step1.pOutInfo}KIOSK-01|`);
    expect(pKey).toMatch(/^[0-9A-F]{32}\|[0-9A-F]{32}\|$/);
    expect(await backend.call('iReadCardBas_HSM_Step2', { pKey })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
  });

  it('a wrong internal authentication answer is −21; Step2 without Step1 is −12', async () => {
    backend = await openReaderFunctionBackend({ kind: 'emulator' });
    const step1 = await backend.call('iReadCardBas_HSM_Step1', { iType: 1 });
    const pKey = await (await softwareHsmAnswers()).cardAuthentication(step1.pOutInfo);
    const forged = `${pKey[0] === '0' ? '1' : '0'}${pKey.slice(1)}`;
    expect((await backend.call('iReadCardBas_HSM_Step2', { pKey: forged })).code).toBe(-21);
    expect((await backend.call('iReadCardBas_HSM_Step2', { pKey })).code).toBe(-12);
  });
});
