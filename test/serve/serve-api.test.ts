import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { apiCall, httpCall, WsClient } from './serve-client.js';
import { EMULATED_READER, emulatedReadCardBasBackend, recordingBackend } from './test-backends.js';

let server: RunningCardServer | undefined;
const close: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of close.splice(0)) await c();
  await server?.close();
  server = undefined;
});

async function serveEmulated(options: { apduDelayMs?: number } = {}) {
  const emulated = await emulatedReadCardBasBackend(options);
  const log: string[] = [];
  server = await startCardServer({ backend: emulated.backend, port: 0, log: (line) => log.push(line) });
  close.push(() => emulated.backend.close());
  return { ...emulated, port: server.port, log };
}

describe('sscard serve: functions over HTTP and WebSocket', () => {
  it('answers iReadCardBas over HTTP with the same line as the direct call', async () => {
    const { port, readCardBasDirect } = await serveEmulated();
    const direct = await readCardBasDirect();
    expect(direct.code).toBe(0);
    const answer = await apiCall(port, { function: 'iReadCardBas', iType: 3 });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.json).toEqual({ function: 'iReadCardBas', code: 0, success: true, pOutInfo: direct.pOutInfo });
    expect(direct.pOutInfo.split('|')).toHaveLength(12);
  });

  it('answers iReadCardBas over WebSocket with the same line, echoing the id', async () => {
    const { port, readCardBasDirect } = await serveEmulated();
    const client = await WsClient.open(port);
    close.push(() => client.close());
    const answer = await client.call({ function: 'iReadCardBas', iType: 1 }, 'a1');
    expect(answer).toEqual({ function: 'iReadCardBas', id: 'a1', code: 0, success: true, pOutInfo: (await readCardBasDirect()).pOutInfo });
  });

  it('lists the readers at GET /readers', async () => {
    const { port } = await serveEmulated();
    const answer = await httpCall(port, { method: 'GET', path: '/readers' });
    expect(answer.json).toEqual({ readers: [{ name: EMULATED_READER, role: 'card', cardPresent: true }] });
  });

  it('logs one line per request with function, code and duration, and no card data', async () => {
    const { port, log, readCardBasDirect } = await serveEmulated();
    await apiCall(port, { function: 'iReadCardBas', iType: 3 });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^http iReadCardBas iType=3 → 0 \(11 fields\) \d+\.\d ms$/);
    const name = (await readCardBasDirect()).pOutInfo.split('|')[4]!;
    expect(log.join('\n')).not.toContain(name);
  });

  it('answers a card-level failure with success false, its code and its text', async () => {
    const { port } = await serveEmulated();
    const answer = await apiCall(port, { function: 'iVerifyPIN', iType: 1, pin: '123456' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ function: 'iVerifyPIN', code: -13, success: false, pOutInfo: '' });
    expect(answer.json.error).toMatch(/-13/);
  });
});

describe('sscard serve: one card, one request at a time', () => {
  it('answers two WebSocket clients at once without interleaving their calls', async () => {
    const recording = recordingBackend(15);
    server = await startCardServer({ backend: recording.backend, port: 0 });
    const [a, b] = await Promise.all([WsClient.open(server.port), WsClient.open(server.port)]);
    close.push(
      () => a.close(),
      () => b.close(),
    );
    const calls = [];
    for (let i = 0; i < 4; i++) {
      calls.push(a.call({ function: 'iReadCardBas', iType: 1 }, `a${i}`), b.call({ function: 'iReadCardBas', iType: 2 }, `b${i}`));
    }
    const answers = await Promise.all(calls);
    expect(answers.filter((x) => x.code === 0)).toHaveLength(8);
    expect(answers.filter((x) => x.pOutInfo === '1||')).toHaveLength(4);
    expect(answers.filter((x) => x.pOutInfo === '2||')).toHaveLength(4);
    // start, end, start, end …: never a second start before the first one's end.
    expect(recording.log).toHaveLength(16);
    expect(recording.log.map((entry) => entry.split(':')[0])).toEqual(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 'start' : 'end')),
    );
  });

  it('keeps each emulated card read in one piece when two clients read at once', async () => {
    const { port, transport } = await serveEmulated({ apduDelayMs: 1 });
    await apiCall(port, { function: 'iReadCardBas', iType: 1 });
    const single = transport.commands.splice(0);
    const [a, b] = await Promise.all([WsClient.open(port), WsClient.open(port)]);
    close.push(
      () => a.close(),
      () => b.close(),
    );
    const answers = await Promise.all([a.call({ function: 'iReadCardBas' }, 1), b.call({ function: 'iReadCardBas' }, 2)]);
    expect(answers.map((x) => x.code)).toEqual([0, 0]);
    expect(transport.commands).toEqual([...single, ...single]);
  });

  it('answers a request that waits too long with a timeout error object, and the card is not touched twice at once', async () => {
    const recording = recordingBackend(150);
    server = await startCardServer({ backend: recording.backend, port: 0, requestTimeoutMs: 100 });
    const port = server.port;
    const [first, second] = await Promise.all([
      apiCall(port, { function: 'iReadCardBas', iType: 1 }),
      apiCall(port, { function: 'iReadCardBas', iType: 1 }),
    ]);
    expect(first.json).toMatchObject({ function: 'iReadCardBas', code: -4, success: false });
    expect(first.json.error).toMatch(/did not answer within 100 ms/);
    expect(second.json).toMatchObject({ code: -4, success: false });
    expect(second.json.error).toMatch(/busy with earlier requests/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The second request timed out while waiting: it never reached the card.
    expect(recording.log).toEqual(['start:iReadCardBas#1', 'end:iReadCardBas#1']);
  });
});

describe('sscard serve: stopping', () => {
  it('answers the request under way before it closes, and then listens no more', async () => {
    const recording = recordingBackend(100);
    const running = await startCardServer({ backend: recording.backend, port: 0 });
    const pending = apiCall(running.port, { function: 'iReadCardBas', iType: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await running.close();
    expect((await pending).json).toMatchObject({ code: 0, success: true });
    expect(recording.log).toEqual(['start:iReadCardBas#1', 'end:iReadCardBas#1']);
    await expect(apiCall(running.port, { function: 'iReadCardBas', iType: 1 })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('sscard serve: the emulated card pulled and put back', () => {
  it('answers −2 when the card is pulled mid-request, pushes the events, and reads again once it is back', async () => {
    const { port } = await serveEmulated({ apduDelayMs: 5 });
    const client = await WsClient.open(port);
    close.push(() => client.close());
    const pending = client.call({ function: 'iReadCardBas', iType: 1 }, 'mid');
    await new Promise((resolve) => setTimeout(resolve, 25));
    const pulled = await httpCall(port, { path: '/emulator/card', body: JSON.stringify({ present: false }) });
    expect(pulled.json).toEqual({ present: false });
    expect(await pending).toMatchObject({ id: 'mid', code: -2, success: false });
    expect(await client.waitFor((m) => m.event === 'card-removed')).toEqual({ event: 'card-removed', reader: EMULATED_READER });
    expect((await httpCall(port, { method: 'GET', path: '/readers' })).json.readers[0].cardPresent).toBe(false);
    await httpCall(port, { path: '/emulator/card', body: JSON.stringify({ present: true }) });
    await client.waitFor(() => client.received.filter((m) => m.event === 'card-inserted').length === 2);
    expect(client.received.filter((m) => m.event !== undefined)).toEqual([
      { event: 'reader-added', reader: EMULATED_READER },
      { event: 'card-inserted', reader: EMULATED_READER },
      { event: 'card-removed', reader: EMULATED_READER },
      { event: 'card-inserted', reader: EMULATED_READER },
    ]);
    expect(await client.call({ function: 'iReadCardBas', iType: 1 }, 'after')).toMatchObject({ code: 0, success: true });
  });

  it('tells each WebSocket client the readers and cards there when it connects, then pushes every event to all', async () => {
    const recording = recordingBackend();
    server = await startCardServer({ backend: recording.backend, port: 0 });
    const [a, b] = await Promise.all([WsClient.open(server.port), WsClient.open(server.port)]);
    close.push(
      () => a.close(),
      () => b.close(),
    );
    recording.emit({ type: 'reader-added', reader: 'USB Reader 01' });
    recording.emit({ type: 'reader-removed', reader: 'USB Reader 01' });
    for (const client of [a, b]) {
      await client.waitFor((m) => m.event === 'reader-removed');
      expect(client.received).toEqual([
        { event: 'reader-added', reader: 'Test Reader 00' },
        { event: 'card-inserted', reader: 'Test Reader 00' },
        { event: 'reader-added', reader: 'USB Reader 01' },
        { event: 'reader-removed', reader: 'USB Reader 01' },
      ]);
    }
  });

  it('has no /emulator/card on a backend without an emulated card', async () => {
    server = await startCardServer({ backend: recordingBackend().backend, port: 0 });
    const answer = await httpCall(server.port, { path: '/emulator/card', body: '{"present":false}' });
    expect(answer.status).toBe(404);
    expect(answer.json.success).toBe(false);
  });
});
