// The service over the real reader functions on the emulated terminal (card + PSAM): what an HIS
// developer runs with `sscard serve --emulator`. Each scenario runs three times on fresh
// terminals (direct calls, HTTP, WebSocket) and must give the same results.
import { afterEach, describe, expect, it } from 'vitest';
import { profileKeysPath } from '../../emulator/index.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { EMULATED_CARD_READER } from '../../src/cli/emulated-readers.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionInputs, ReaderFunctionName, ReaderFunctionResult } from '../../src/reader-functions/reader-function-call.js';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { cardBasFields, expectedCardBas, ssseRecord } from '../reader-functions/profile-facts.js';
import { apiCall, httpCall, WsClient } from './serve-client.js';

/** pCardInfo of the default card: `identifier|card number|`. */
const cardInfo = () => `${cardBasFields('default').identifier}|${ssseRecord('default', 'EF05', 0x07).toString('latin1')}|`;

type Call = (name: ReaderFunctionName, inputs: ReaderFunctionInputs) => Promise<ReaderFunctionResult>;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function terminal() {
  const backend = await openReaderFunctionBackend({ kind: 'emulator' });
  cleanups.push(() => backend.close());
  return backend;
}

async function served(): Promise<RunningCardServer> {
  const server = await startCardServer({ backend: await terminal(), port: 0 });
  cleanups.push(() => server.close());
  return server;
}

/** The three ways to call, each on its own fresh emulated terminal. */
const WAYS: Record<string, () => Promise<Call>> = {
  direct: async () => {
    const backend = await terminal();
    return (name, inputs) => backend.call(name, inputs);
  },
  http: async () => {
    const { port } = await served();
    return async (name, inputs) => {
      const { json } = await apiCall(port, { function: name, ...inputs });
      expect(json).toMatchObject({ function: name, success: json.code === 0 });
      return { code: json.code, pOutInfo: json.pOutInfo };
    };
  },
  websocket: async () => {
    const client = await WsClient.open((await served()).port);
    cleanups.push(() => client.close());
    let id = 0;
    return async (name, inputs) => {
      const answer = await client.call({ function: name, ...inputs }, ++id);
      expect(answer).toMatchObject({ function: name, success: answer.code === 0 });
      return { code: answer.code, pOutInfo: answer.pOutInfo };
    };
  },
};

/** What a scenario gives back must not depend on randoms: HSM factors are checked, not compared. */
const SCENARIOS: Record<string, (call: Call) => Promise<unknown>> = {
  'iReadCardBas with each iType': async (call) => {
    const results = [];
    for (const iType of [1, 2, 3, 4]) results.push(await call('iReadCardBas', { iType }));
    return results;
  },
  'iReadCardBas_HSM_Step1 → the software HSM → Step2': async (call) => {
    const step1 = await call('iReadCardBas_HSM_Step1', { iType: 3 });
    const hsm = await SoftwareHsm.fromFile(profileKeysPath('default'));
    const step2 = await call('iReadCardBas_HSM_Step2', { pKey: await hsm.request(`${step1.pOutInfo}|`) });
    return { step1: [step1.code, step1.pOutInfo.split('|').length], step2 };
  },
  'a wrong PIN, the PIN, a payment, its record and the balance': async (call) => {
    const pCardInfo = cardInfo();
    const results = [];
    results.push(await call('iVerifyPIN', { iType: 1, pin: '000000' }));
    results.push(await call('iVerifyPIN', { iType: 1, pin: '123456' }));
    results.push(await call('iDoDebit', { iType: 1, pCardInfo, pPayInfo: '12.34|10.00|20261130101500|', pin: '123456' }));
    results.push(await call('iReadDebitRecord', { iType: 1, pin: '123456' }));
    results.push(await call('iReadBalance', { iType: 1, pin: '123456' }));
    return results;
  },
  'Step2 without Step1': async (call) => [await call('iReadCardBas_HSM_Step2', { pKey: `${'0'.repeat(32)}|${'0'.repeat(32)}|` })],
};

describe('sscard serve --emulator: the same results as direct calls', () => {
  for (const [scenario, run] of Object.entries(SCENARIOS)) {
    it(scenario, async () => {
      const results: Record<string, unknown> = {};
      for (const [way, open] of Object.entries(WAYS)) results[way] = await run(await open());
      expect(results.http).toEqual(results.direct);
      expect(results.websocket).toEqual(results.direct);
    });
  }

  it('gives the default card’s 11-field line, as the profile holds it, on the PSAM path and the HSM path', async () => {
    const { port } = await served();
    const line = { code: 0, success: true, pOutInfo: expectedCardBas() };
    expect((await apiCall(port, { function: 'iReadCardBas', iType: 3 })).json).toEqual({ function: 'iReadCardBas', ...line });
    const step1 = (await apiCall(port, { function: 'iReadCardBas_HSM_Step1', iType: 3 })).json;
    const pKey = await (await SoftwareHsm.fromFile(profileKeysPath('default'))).request(`${step1.pOutInfo}|`);
    expect((await apiCall(port, { function: 'iReadCardBas_HSM_Step2', pKey })).json).toEqual({
      function: 'iReadCardBas_HSM_Step2',
      ...line,
    });
  });
});

describe('sscard serve --emulator: the card pulled and put back', () => {
  it('answers −2 when the card is pulled between HSM Step1 and Step2, and after; events tell the page', async () => {
    const { port } = await served();
    const client = await WsClient.open(port);
    cleanups.push(() => client.close());
    const step1 = await client.call({ function: 'iReadCardBas_HSM_Step1', iType: 1 }, 's1');
    expect(step1.code).toBe(0);
    expect((await httpCall(port, { path: '/emulator/card', body: '{"present":false}' })).json).toEqual({ present: false });
    await client.waitFor((m) => m.event === 'card-removed' && m.reader === EMULATED_CARD_READER);
    const pKey = await (await SoftwareHsm.fromFile(profileKeysPath('default'))).request(`${step1.pOutInfo}|`);
    expect(await client.call({ function: 'iReadCardBas_HSM_Step2', pKey }, 's2')).toMatchObject({ code: -2, success: false });
    expect(await client.call({ function: 'iReadCardBas', iType: 3 }, 'out')).toMatchObject({ code: -2, success: false });
    expect((await httpCall(port, { method: 'GET', path: '/emulator/card' })).json).toEqual({ present: false });
    await httpCall(port, { path: '/emulator/card', body: '{"present":true}' });
    await client.waitFor((m) => m.event === 'card-inserted' && client.received.filter((e) => e.event === 'card-inserted').length === 3);
    expect(await client.call({ function: 'iReadCardBas', iType: 3 }, 'back')).toMatchObject({ code: 0, pOutInfo: expectedCardBas() });
  });
});
