// Raw HTTP and WebSocket clients for the service tests: full control over Host, Origin and framing.
import { request } from 'node:http';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { ReaderFunctionCaller, ReaderFunctionResult } from '../../src/reader-functions/reader-function-call.js';
import type { ServiceAnswer } from '../../src/serve/service-answer.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back.
  json: any;
}

export function httpCall(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        method: options.method ?? 'POST',
        path: options.path ?? '/api',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /api with a request object. */
export function apiCall(port: number, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpCall(port, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

/** A WebSocket client that collects what the service sends: answers by id, events in order. */
export class WsClient {
  // biome-ignore lint/suspicious/noExplicitAny: answers and events are JSON.
  readonly received: any[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    // Listening from the start: the service's first events may come with the upgrade's answer.
    socket.on('message', (data) => {
      this.received.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(port: number, options: { protocols?: string[]; headers?: Record<string, string>; origin?: string } = {}): Promise<WsClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, options.protocols ?? [], {
      headers: options.headers ?? {},
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const client = new WsClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** The answers received so far (events left out). */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  answers(): any[] {
    return this.received.filter((m) => m.event === undefined);
  }

  /** Waits until a received message satisfies `match` (2 s at most). */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async waitFor(match: (message: any) => boolean, ms = 2000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends a request with an id and waits for the answer with that id. */
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  async call(request: Record<string, unknown>, id: string | number): Promise<any> {
    this.socket.send(JSON.stringify({ ...request, id }));
    return this.waitFor((m) => m.id === id);
  }

  close(): void {
    this.socket.close();
  }
}

/** A reader function as a page calls it over HTTP: the answer checked for its shape, given back as the function's result. */
export function httpCaller(port: number): ReaderFunctionCaller['call'] {
  return async (name, inputs) => serviceResult(name, (await apiCall(port, { function: name, ...inputs })).json);
}

/** A reader function as a page calls it over the WebSocket (each request with its own id). */
export function websocketCaller(client: WsClient): ReaderFunctionCaller['call'] {
  let id = 0;
  return async (name, inputs) => {
    const { id: echoed, ...answer } = await client.call({ function: name, ...inputs }, ++id);
    return serviceResult(name, answer);
  };
}

/** The service's answer is `{function, code, success, pOutInfo}`, and `error` (the output's text, or the code's) on failure. */
function serviceResult(name: string, answer: ServiceAnswer): ReaderFunctionResult {
  const { code, pOutInfo = '' } = answer;
  const failed = code === 0 ? {} : { error: pOutInfo || `the reader function returned ${code}` };
  expect(answer).toEqual({ function: name, code, success: code === 0, pOutInfo, ...failed });
  return { code, pOutInfo };
}
