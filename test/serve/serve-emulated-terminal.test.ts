// The service over the real reader functions on the emulated terminal (card + PSAM): what an HIS
// developer runs with `sscard serve --emulator`. The every-function scenario runs three times on
// fresh terminals (direct calls, HTTP, WebSocket) and must give the same results.
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATED_CARD_READER } from '../../src/cli/emulated-readers.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { everyFunctionScenario } from '../reader-functions/every-function-scenario.js';
import { expectedCardBas } from '../reader-functions/profile-facts.js';
import { softwareHsmAnswers } from '../reader-functions/software-hsm-answers.js';
import { httpCall, httpCaller, WsClient, websocketCaller } from './serve-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function terminal() {
  const backend = await openReaderFunctionBackend({ kind: 'emulator' });
  cleanups.push(() => backend.close());
  return backend;
}

async function served(ratePerSecond?: number): Promise<RunningCardServer> {
  const server = await startCardServer({ backend: await terminal(), port: 0, ...(ratePerSecond === undefined ? {} : { ratePerSecond }) });
  cleanups.push(() => server.close());
  return server;
}

describe('sscard serve --emulator: every function gives the line it gives in a direct call', () => {
  it('runs the every-function scenario direct, over HTTP and over WebSocket, each on a fresh terminal, with the same results', async () => {
    const backend = await terminal();
    const direct = await everyFunctionScenario((name, inputs) => backend.call(name, inputs));
    const http = await everyFunctionScenario(httpCaller((await served()).port));
    // The scenario's 60-odd calls at machine speed: above the default per-connection rate limit (20/s).
    const client = await WsClient.open((await served(1000)).port);
    cleanups.push(() => client.close());
    const websocket = await everyFunctionScenario(websocketCaller(client));
    expect(http).toEqual(direct);
    expect(websocket).toEqual(direct);
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
    const pKey = await (await softwareHsmAnswers()).cardAuthentication(step1.pOutInfo);
    expect(await client.call({ function: 'iReadCardBas_HSM_Step2', pKey }, 's2')).toMatchObject({ code: -2, success: false });
    expect(await client.call({ function: 'iReadCardBas', iType: 3 }, 'out')).toMatchObject({ code: -2, success: false });
    expect((await httpCall(port, { method: 'GET', path: '/emulator/card' })).json).toEqual({ present: false });
    await httpCall(port, { path: '/emulator/card', body: '{"present":true}' });
    await client.waitFor((m) => m.event === 'card-inserted' && client.received.filter((e) => e.event === 'card-inserted').length === 3);
    expect(await client.call({ function: 'iReadCardBas', iType: 3 }, 'back')).toMatchObject({ code: 0, pOutInfo: expectedCardBas() });
  });
});
