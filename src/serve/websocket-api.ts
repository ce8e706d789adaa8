import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { ReaderFunctionBackend, ReaderFunctionEvent } from '../reader-functions/reader-function-call.js';
import type { AccessGuard, AccessRefusal } from './access-guard.js';
import { SERVICE_SUBPROTOCOL } from './bearer-token.js';
import type { CardService } from './card-service.js';
import type { RateLimiter } from './rate-limiter.js';
import { labelOfText } from './request-parser.js';
import { rateLimitedRefusal, ServiceRefusal, tooLargeRefusal } from './service-refusal.js';

export interface WebSocketApiOptions {
  service: CardService;
  backend: ReaderFunctionBackend;
  guard: AccessGuard;
  /** A request larger than this is answered with a refusal; the connection stays. */
  maxRequestBytes: number;
  /** A frame larger than this closes the connection (1009): it is not read into memory. */
  maxFrameBytes: number;
  rateLimiter: () => RateLimiter;
}

/**
 * The WebSocket side of `sscard serve` at /ws: one JSON request per text message, answered with
 * the request's `id`; reader and card events pushed to every client as `{"event", "reader"}`,
 * starting with the readers and cards there when it connects.
 */
export class WebSocketApi {
  private readonly server: WebSocketServer;
  private connections = 0;

  constructor(private readonly options: WebSocketApiOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      // Chosen from what the client offers; the token subprotocol is never echoed.
      handleProtocols: (offered) => (offered.has(SERVICE_SUBPROTOCOL) ? SERVICE_SUBPROTOCOL : false),
    });
  }

  /** Takes over an HTTP upgrade request: /ws with the right Host, Origin and token, or refused. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '/').split('?')[0];
    const refused: AccessRefusal | undefined =
      path === '/ws' ? this.options.guard.checkUpgrade(request) : { status: 403, message: 'WebSocket connections go to /ws' };
    if (refused) {
      refuseUpgrade(socket, refused);
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.connected(ws));
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.close(1001, 'the card service is stopping');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connected(ws: WebSocket): void {
    const via = `ws#${++this.connections}`;
    const limiter = this.options.rateLimiter();
    ws.on('message', (data, isBinary) => void this.message(ws, via, limiter, data, isBinary));
    // Each client its own subscription: the backend first tells it the readers and cards there now.
    const unsubscribe = this.options.backend.onEvent((event) => sendEvent(ws, event));
    ws.on('close', unsubscribe);
    // An oversized frame or broken framing: ws has already closed the connection; nothing to answer.
    ws.on('error', () => ws.terminate());
  }

  private async message(ws: WebSocket, via: string, limiter: RateLimiter, data: RawData, isBinary: boolean): Promise<void> {
    const started = performance.now();
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    const refusal = this.refusalOf(bytes, isBinary, limiter);
    const text = isBinary || refusal?.kind === 'too-large' ? '' : bytes.toString('utf8');
    const reply = refusal
      ? this.options.service.refuse(labelOfText(text), refusal, via, started)
      : await this.options.service.handle(text, via);
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply.answer));
  }

  /** A message refused before it is parsed: too many, not text, or too large. */
  private refusalOf(bytes: Buffer, isBinary: boolean, limiter: RateLimiter): ServiceRefusal | undefined {
    if (!limiter.take()) return rateLimitedRefusal();
    if (isBinary) return new ServiceRefusal('malformed', 'binary messages are not requests: send the JSON as a text message');
    if (bytes.length > this.options.maxRequestBytes) return tooLargeRefusal(this.options.maxRequestBytes);
    return undefined;
  }
}

function sendEvent(ws: WebSocket, event: ReaderFunctionEvent): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event: event.type, reader: event.reader }));
}

function refuseUpgrade(socket: Duplex, refusal: AccessRefusal): void {
  const body = JSON.stringify({ success: false, error: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
