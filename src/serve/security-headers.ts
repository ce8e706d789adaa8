import type { ServerResponse } from 'node:http';

/**
 * Headers on every answer: nothing is cached (card data), sniffed, framed or referred, and the
 * service's own pages may connect only back to the service.
 */
export function setSecurityHeaders(response: ServerResponse, port: number): void {
  // Chromium rejects an IPv6 literal as a CSP source; a page at [::1] still reaches its own origin through 'self'.
  const self = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`].join(' ');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader(
    'Content-Security-Policy',
    `default-src 'self'; connect-src 'self' ${self}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  );
}
