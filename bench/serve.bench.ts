// Issue 16: iReadCardBas through the local card service (HTTP POST /api with keep-alive, and a
// WebSocket message) against the same call made directly on the reader functions, all on the
// emulated card and PSAM in this process. The difference is what the service adds per request:
// HTTP or WebSocket framing, JSON, the schema check, the card queue and the log line.
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { openReaderFunctionBackend } from '../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../src/reader-functions/reader-function-call.js';
import { startCardServer } from '../src/serve/card-server.js';
import type { BenchRow } from './bench-types.js';

const READ = { function: 'iReadCardBas', iType: 1 } as const;
const CALLS = 300;
const ROUNDS = 3;

export default async function serveBench(): Promise<BenchRow[]> {
  const backend = await openReaderFunctionBackend({ kind: 'emulator' });
  const server = await startCardServer({ backend, port: 0, ratePerSecond: 1e9, log: () => {} });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const socket = await openSocket(server.port);
  try {
    const viaHttp = () => httpRead(server.port, agent);
    const viaWs = () => wsRead(socket);
    const direct = () => directRead(backend);
    // Each path once, checked, before any is timed.
    for (const read of [direct, viaHttp, viaWs]) await read();
    const best = { direct: 0, http: 0, ws: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      best.direct = Math.max(best.direct, await rate(direct));
      best.http = Math.max(best.http, await rate(viaHttp));
      best.ws = Math.max(best.ws, await rate(viaWs));
    }
    const row = (name: string, ours: number): BenchRow => ({
      group: 'serve',
      name,
      ours,
      reference: 'the same call on the reader functions directly',
      referenceValue: best.direct,
      unit: 'calls/s',
    });
    return [
      row('`iReadCardBas` via `sscard serve`, HTTP POST /api (keep-alive), emulated card + PSAM', best.http),
      row('`iReadCardBas` via `sscard serve`, one WebSocket message each, emulated card + PSAM', best.ws),
    ];
  } finally {
    socket.close();
    agent.destroy();
    await server.close();
    await backend.close();
  }
}

/** Calls per second over CALLS calls one after another (best of the rounds is kept by the caller). */
async function rate(read: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await read();
  return (CALLS * 1000) / (performance.now() - start);
}

async function directRead(backend: ReaderFunctionBackend): Promise<void> {
  check(await backend.call(READ.function, { iType: READ.iType }));
}

function httpRead(port: number, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(READ);
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            check(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function openSocket(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

let nextId = 0;
function wsRead(socket: WebSocket): Promise<void> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const answer = JSON.parse(String(data));
      if (answer.id !== id) return; // an event, or not ours
      socket.off('message', onMessage);
      try {
        check(answer);
        resolve();
      } catch (error) {
        reject(error);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ ...READ, id }));
  });
}

function check(answer: { code: number; pOutInfo?: string }): void {
  if (answer.code !== 0 || answer.pOutInfo?.split('|').length !== 12) throw new Error(`iReadCardBas answered ${JSON.stringify(answer)}`);
}
