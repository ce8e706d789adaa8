import { InputError } from '../errors.js';
import { ownOrigins } from './loopback-host.js';

/**
 * Which web pages may call the service: its own (same origin) and the `--allow-origin` list. A
 * request without an Origin header comes from a program, not a page, and passes; `Origin: null`
 * (sandboxed frames, file: pages) does not.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(port: number, allowOrigins: readonly string[]) {
    this.allowed = new Set([...ownOrigins(port), ...allowOrigins.map(normalizeOrigin)]);
  }

  allows(origin: string | undefined): boolean {
    return origin === undefined || this.allowed.has(origin.toLowerCase());
  }

  /** True for a page of another origin the list lets in (it gets CORS headers). */
  isListedForeign(origin: string | undefined, port: number): boolean {
    return origin !== undefined && this.allows(origin) && !ownOrigins(port).includes(origin.toLowerCase());
  }
}

/** `--allow-origin https://his.example:8443` → `https://his.example:8443`; a path, `*` or `null` is refused. */
export function normalizeOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('allow-origin', `--allow-origin must be an origin like https://his.example, got "${text}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.href !== `${url.origin}/`) {
    throw new InputError('allow-origin', `--allow-origin must be a bare http(s) origin (scheme, host, port; no path), got "${text}"`);
  }
  return url.origin.toLowerCase();
}
