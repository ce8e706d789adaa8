import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ReaderFunctionBackend } from '../reader-functions/reader-function-call.js';
import type { AccessGuard, AccessRefusal } from './access-guard.js';
import type { CardService, ServiceReply } from './card-service.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RateLimiter } from './rate-limiter.js';
import { readRequestBody } from './request-body.js';
import { setSecurityHeaders } from './security-headers.js';
import { rateLimitedRefusal, tooLargeRefusal } from './service-refusal.js';
import type { StaticFiles } from './static-files.js';

export interface HttpApiOptions {
  port: number;
  service: CardService;
  backend: ReaderFunctionBackend;
  guard: AccessGuard;
  origins: OriginPolicy;
  maxBodyBytes: number;
  /** A new rate limiter (one per connection). */
  rateLimiter: () => RateLimiter;
  staticFiles?: StaticFiles;
}

const API_PATHS = new Set(['/api', '/readers', '/emulator/card']);

/** The HTTP side of `sscard serve`: POST /api, GET /readers, /emulator/card, and static files. */
export class HttpApi {
  private readonly limiters = new WeakMap<Socket, RateLimiter>();

  constructor(private readonly options: HttpApiOptions) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setSecurityHeaders(response, this.options.port);
    const path = (request.url ?? '/').split('?')[0]!;
    const api = API_PATHS.has(path);
    const refused = api && request.method !== 'OPTIONS' ? this.options.guard.checkApi(request) : this.options.guard.checkSource(request);
    if (refused) return sendRefusal(response, refused);
    if (api) {
      this.allowListedOrigin(request, response);
      if (request.method === 'OPTIONS') return void response.writeHead(204).end();
      if (!this.limiter(request.socket).take()) {
        return sendReply(response, this.options.service.refuse({ function: '' }, rateLimitedRefusal(), 'http', performance.now()));
      }
    }
    await this.route(request, response, path);
  }

  private async route(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const route = `${request.method} ${path}`;
    if (route === 'POST /api') return this.callFunction(request, response);
    if (route === 'GET /readers') return sendJson(response, 200, { readers: await this.options.backend.readers() });
    if (path === '/emulator/card') return this.emulatedCard(request, response);
    if (API_PATHS.has(path)) return sendError(response, 405, `${request.method} is not allowed on ${path}`);
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) return sendError(response, 405, 'only GET and HEAD are served here');
    if (!(await this.options.staticFiles?.send(path, response, head))) sendError(response, 404, 'not found');
  }

  private async callFunction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const body = await readRequestBody(request, this.options.maxBodyBytes);
    if (body === undefined) {
      response.setHeader('Connection', 'close');
      const tooLarge = tooLargeRefusal(this.options.maxBodyBytes);
      return sendReply(response, this.options.service.refuse({ function: '' }, tooLarge, 'http', started));
    }
    sendReply(response, await this.options.service.handle(body, 'http'));
  }

  /** GET: is the emulated card in its reader; POST {"present": false|true}: pull it out or put it back. */
  private async emulatedCard(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const card = this.options.backend.emulatedCard;
    if (!card) return sendError(response, 404, 'the service runs on a real reader: there is no emulated card to move');
    if (request.method === 'POST') {
      const present = parsePresent(await readRequestBody(request, this.options.maxBodyBytes));
      if (present === undefined) return sendError(response, 400, 'send {"present": true} or {"present": false}');
      if (present !== card.present) present ? card.insert() : card.remove();
    } else if (request.method !== 'GET') {
      return sendError(response, 405, `${request.method} is not allowed on /emulator/card`);
    }
    sendJson(response, 200, { present: card.present });
  }

  /** CORS for pages of an `--allow-origin` origin (the service's own pages need none). */
  private allowListedOrigin(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    if (!this.options.origins.isListedForeign(origin, this.options.port)) return;
    response.setHeader('Access-Control-Allow-Origin', origin!);
    response.setHeader('Vary', 'Origin');
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    response.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    // Chrome asks before a public page may reach a loopback service (Private Network Access).
    response.setHeader('Access-Control-Allow-Private-Network', 'true');
  }

  private limiter(socket: Socket): RateLimiter {
    let limiter = this.limiters.get(socket);
    if (!limiter) {
      limiter = this.options.rateLimiter();
      this.limiters.set(socket, limiter);
    }
    return limiter;
  }
}

function parsePresent(body: string | undefined): boolean | undefined {
  try {
    const value = JSON.parse(body ?? '') as { present?: unknown };
    return typeof value?.present === 'boolean' ? value.present : undefined;
  } catch {
    return undefined;
  }
}

function sendRefusal(response: ServerResponse, refusal: AccessRefusal): void {
  if (refusal.status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
  sendError(response, refusal.status, refusal.message);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { success: false, error: message });
}

function sendReply(response: ServerResponse, reply: ServiceReply): void {
  sendJson(response, reply.httpStatus, reply.answer);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}
