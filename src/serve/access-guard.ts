import type { IncomingMessage } from 'node:http';
import { type BearerToken, TOKEN_SUBPROTOCOL_PREFIX } from './bearer-token.js';
import { isOwnHost } from './loopback-host.js';
import type { OriginPolicy } from './origin-policy.js';

/** Why a request is turned away before the service reads it, with the HTTP status it gets. */
export interface AccessRefusal {
  status: 401 | 403 | 421;
  message: string;
}

/**
 * Who may talk to the service: the Host header must name it on loopback (421 otherwise: DNS
 * rebinding), the page's Origin must be its own or listed (403), and with `--token` the API and
 * the WebSocket need the token (401). Static files need no token: they hold no card data.
 */
export class AccessGuard {
  constructor(
    private readonly port: number,
    private readonly origins: OriginPolicy,
    private readonly token: BearerToken | undefined,
    /** Told of every refusal (for the log). */
    private readonly onRefusal: (request: IncomingMessage, refusal: AccessRefusal) => void = () => {},
  ) {}

  /** Host and Origin: every request, static files included. */
  checkSource(request: IncomingMessage): AccessRefusal | undefined {
    return this.told(request, this.sourceRefusal(request));
  }

  /** An API request: source, then `Authorization: Bearer <token>`. */
  checkApi(request: IncomingMessage): AccessRefusal | undefined {
    const refused = this.sourceRefusal(request);
    if (refused || !this.token || this.token.matchesHeader(request.headers.authorization)) return this.told(request, refused);
    return this.told(request, { status: 401, message: 'a valid "Authorization: Bearer <token>" header is needed' });
  }

  /** A WebSocket upgrade: source, then the token as the `bearer.<token>` subprotocol. */
  checkUpgrade(request: IncomingMessage): AccessRefusal | undefined {
    const refused = this.sourceRefusal(request);
    if (refused || !this.token || this.token.matchesSubprotocols(offeredSubprotocols(request))) return this.told(request, refused);
    return this.told(request, { status: 401, message: `a valid "${TOKEN_SUBPROTOCOL_PREFIX}<token>" WebSocket subprotocol is needed` });
  }

  private sourceRefusal(request: IncomingMessage): AccessRefusal | undefined {
    if (!isOwnHost(request.headers.host, this.port)) {
      return { status: 421, message: `this service answers only to 127.0.0.1:${this.port}, localhost:${this.port} or [::1]:${this.port}` };
    }
    if (!this.origins.allows(request.headers.origin)) {
      return { status: 403, message: 'pages of this origin may not use the card service (see --allow-origin)' };
    }
    return undefined;
  }

  private told(request: IncomingMessage, refusal: AccessRefusal | undefined): AccessRefusal | undefined {
    if (refusal) this.onRefusal(request, refusal);
    return refusal;
  }
}

/** The subprotocols of a WebSocket upgrade request. */
export function offeredSubprotocols(request: IncomingMessage): Set<string> {
  const header = request.headers['sec-websocket-protocol'] ?? '';
  return new Set(
    header
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
}
