// sscard serve over the real PC/SC stack: the emulated default card in vpcd's slot 00, the emulated
// PSAM in slot 01, reached through pcscd by the service's PC/SC backend. What a hospital PC with two
// readers runs; the card is pulled out of its slot and put back while a page listens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../../src/reader-functions/reader-function-call.js';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { expectedCardBas } from '../reader-functions/profile-facts.js';
import { apiCall, httpCall, WsClient } from '../serve/serve-client.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/serve-pcsc.test.ts');

describe.skipIf(!enabled)('sscard serve through pcscd + vpcd: card in slot 00, PSAM in slot 01', () => {
  let removeCard: () => Promise<void>;
  let removePsam: () => Promise<void>;
  let backend: ReaderFunctionBackend;
  let server: RunningCardServer;
  beforeAll(async () => {
    removeCard = (await insertCard(openCard({ profile: 'default' }), SLOT0)).remove;
    removePsam = (await insertCard(openCard({ profile: 'psam-default' }), SLOT1)).remove;
    backend = await openReaderFunctionBackend({ kind: 'pcsc', cardReader: SLOT0.reader, psamReader: SLOT1.reader, timeoutMs: 5000 });
    server = await startCardServer({ backend, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.close();
    await removeCard?.();
    await removePsam?.();
  });

  it('answers iReadCardBas over HTTP and WebSocket with the PSAM path’s line, and lists the two readers', async () => {
    expect((await apiCall(server.port, { function: 'iReadCardBas', iType: 3 })).json).toEqual({
      function: 'iReadCardBas',
      code: 0,
      success: true,
      pOutInfo: expectedCardBas(),
    });
    const client = await WsClient.open(server.port);
    try {
      expect(await client.call({ function: 'iReadCardBas', iType: 1 }, 'pcsc')).toMatchObject({ code: 0, pOutInfo: expectedCardBas() });
    } finally {
      client.close();
    }
    const { readers } = (await httpCall(server.port, { method: 'GET', path: '/readers' })).json;
    expect(readers).toContainEqual({ name: SLOT0.reader, role: 'card', cardPresent: true });
    expect(readers).toContainEqual({ name: SLOT1.reader, role: 'psam', cardPresent: true });
  });

  it('pushes card-removed and card-inserted as the card leaves its slot and comes back; −2 in between', async () => {
    const client = await WsClient.open(server.port);
    try {
      await client.waitFor((m) => m.event === 'card-inserted' && m.reader === SLOT0.reader);
      await removeCard();
      await client.waitFor((m) => m.event === 'card-removed' && m.reader === SLOT0.reader, 5000);
      expect(await client.call({ function: 'iReadCardBas', iType: 1 }, 'out')).toMatchObject({ code: -2, success: false });
      removeCard = (await insertCard(openCard({ profile: 'default' }), SLOT0)).remove;
      const inserted = () => client.received.filter((m) => m.event === 'card-inserted' && m.reader === SLOT0.reader).length;
      await client.waitFor(() => inserted() === 2, 5000);
      expect(await client.call({ function: 'iReadCardBas', iType: 1 }, 'back')).toMatchObject({ code: 0, pOutInfo: expectedCardBas() });
    } finally {
      client.close();
    }
  });
});
