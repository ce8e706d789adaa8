import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../errors.js';
import type { ReaderFunctionBackend } from '../reader-functions/reader-function-call.js';
import { AccessGuard } from './access-guard.js';
import { BearerToken } from './bearer-token.js';
import { CardService } from './card-service.js';
import { HttpApi } from './http-api.js';
import { loopbackBindAddress } from './loopback-host.js';
import { OriginPolicy } from './origin-policy.js';
import { printable } from './printable.js';
import { RateLimiter } from './rate-limiter.js';
import { formatAccessLog } from './request-log.js';
import { SERVE_DEFAULTS } from './serve-defaults.js';
import { StaticFiles } from './static-files.js';
import { WebSocketApi } from './websocket-api.js';

/** How `sscard serve` runs; the defaults are what the command line gives when an option is left out. */
export interface CardServerOptions {
  backend: ReaderFunctionBackend;
  /** 127.0.0.1 (default), localhost or ::1; anything else is refused. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Foreign origins whose pages may call the service (the service's own pages always may). */
  allowOrigins?: readonly string[];
  /** With a token, the API and the WebSocket need it. */
  token?: string;
  /** A folder served at / (GET and HEAD). */
  staticDir?: string;
  /** From a request's arrival to its answer (default 30 s). */
  requestTimeoutMs?: number;
  /** Requests waiting for the card at once (default 32). */
  maxWaiting?: number;
  /** Largest request (default 64 KiB). */
  maxRequestBytes?: number;
  /** Requests per second per connection (default 20), with bursts up to twice that. */
  ratePerSecond?: number;
  /** One line per request and per start/stop (default: none). */
  log?: (line: string) => void;
}

/** A frame this much larger than a request closes the WebSocket instead of being answered. */
const FRAME_CAP_FACTOR = 16;

/**
 * A running service: where it listens, and how to stop it: new requests are refused, the card
 * work under way is finished and answered, then the connections close. The backend stays open:
 * its owner closes it.
 */
export interface RunningCardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the local card service on loopback: HTTP POST /api, GET /readers, WebSocket /ws, static files. */
export async function startCardServer(options: CardServerOptions): Promise<RunningCardServer> {
  const address = loopbackBindAddress(options.host ?? '127.0.0.1');
  const token = options.token === undefined ? undefined : new BearerToken(options.token);
  const staticFiles = options.staticDir === undefined ? undefined : await StaticFiles.open(options.staticDir);
  const server = createServer();
  const port = await listen(server, address, options.port);
  const log = options.log ?? (() => {});
  const { service, http, ws } = buildApis(options, port, token, staticFiles, log);
  server.on('request', (request, response) => {
    http.handle(request, response).catch((error: unknown) => {
      log(
        `http ${request.method} ${printable(request.url ?? '')}: internal error: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ success: false, error: 'internal error (see the service log)' }));
    });
  });
  server.on('upgrade', (request, socket, head) => ws.upgrade(request, socket, head));
  return {
    url: `http://${address === '::1' ? '[::1]' : address}:${port}`,
    port,
    async close() {
      // No new connections or requests; what the card is doing finishes and is answered first.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await service.idle();
      await ws.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The service and its HTTP and WebSocket sides, sharing one guard, one queue and one log. */
function buildApis(
  options: CardServerOptions,
  port: number,
  token: BearerToken | undefined,
  staticFiles: StaticFiles | undefined,
  log: (line: string) => void,
): { service: CardService; http: HttpApi; ws: WebSocketApi } {
  const origins = new OriginPolicy(port, options.allowOrigins ?? []);
  const guard = new AccessGuard(port, origins, token, (request, refusal) => log(formatAccessLog(request, refusal.status)));
  const service = new CardService({
    backend: options.backend,
    timeoutMs: options.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs,
    maxWaiting: options.maxWaiting ?? SERVE_DEFAULTS.maxWaiting,
    log,
  });
  const perSecond = options.ratePerSecond ?? SERVE_DEFAULTS.ratePerSecond;
  const rateLimiter = () => new RateLimiter(perSecond, perSecond * 2);
  const maxRequestBytes = options.maxRequestBytes ?? SERVE_DEFAULTS.maxRequestBytes;
  const { backend } = options;
  const http = new HttpApi({
    port,
    service,
    backend,
    guard,
    origins,
    maxBodyBytes: maxRequestBytes,
    rateLimiter,
    ...(staticFiles ? { staticFiles } : {}),
  });
  const ws = new WebSocketApi({ service, backend, guard, maxRequestBytes, maxFrameBytes: maxRequestBytes * FRAME_CAP_FACTOR, rateLimiter });
  return { service, http, ws };
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new InputError('port', `port ${port} on ${address} is in use: give another --port (0 picks a free one)`)
          : error,
      ),
    );
    server.listen(port, address, () => {
      server.removeAllListeners('error');
      resolve((server.address() as AddressInfo).port);
    });
  });
}
