import { InputError } from '../errors.js';

/** The names a client on this machine reaches the service by (`[::1]` as it appears in a Host header). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** The address to bind for `--host`: loopback only, so nothing off this machine can connect. */
export function loopbackBindAddress(host: string): string {
  const name = host.toLowerCase();
  if (name === '127.0.0.1' || name === 'localhost') return '127.0.0.1';
  if (name === '::1' || name === '[::1]') return '::1';
  throw new InputError(
    'host',
    `--host must be a loopback address (127.0.0.1, localhost or ::1), got "${host}": the card service never listens off this machine`,
  );
}

/** The origins of the service's own pages (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT). */
export function ownOrigins(port: number): string[] {
  return LOOPBACK_NAMES.map((name) => `http://${name}:${port}`);
}

/**
 * True when a request's Host header names this service on loopback. A page of evil.example whose
 * name was re-pointed at 127.0.0.1 (DNS rebinding) sends `Host: evil.example` and is refused.
 */
export function isOwnHost(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.toLowerCase();
  return LOOPBACK_NAMES.some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}
