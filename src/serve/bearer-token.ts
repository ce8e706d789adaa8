import { createHash, timingSafeEqual } from 'node:crypto';
import { InputError } from '../errors.js';

/**
 * The WebSocket subprotocol that carries the token, since a browser cannot set an Authorization
 * header on a WebSocket: `new WebSocket(url, ['sscard', 'bearer.' + token])`. The server
 * answers with `sscard`, never echoing the token back.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';
export const SERVICE_SUBPROTOCOL = 'sscard';

/** Letters, digits and `._~-`: valid in a header and as a subprotocol name, 16–256 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{16,256}$/;

/** The shared secret of `--token`: requests must carry it. Compared in constant time. */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(requireTokenShape(token));
  }

  /** `Authorization: Bearer <token>` on an HTTP request. */
  matchesHeader(authorization: string | undefined): boolean {
    const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
    return match !== null && this.matches(match[1]!);
  }

  /** The subprotocols a WebSocket upgrade offers: one of them must be `bearer.<token>`. */
  matchesSubprotocols(offered: ReadonlySet<string>): boolean {
    for (const protocol of offered) {
      if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && this.matches(protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length))) return true;
    }
    return false;
  }

  private matches(candidate: string): boolean {
    return timingSafeEqual(this.digest, sha256(candidate));
  }
}

/** The token, if it has the shape a header and a subprotocol can carry; an InputError otherwise. */
export function requireTokenShape(token: string): string {
  if (!TOKEN_SHAPE.test(token)) {
    throw new InputError('token', 'the token must be 16–256 characters of letters, digits and ._~- (e.g. openssl rand -hex 16)');
  }
  return token;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
