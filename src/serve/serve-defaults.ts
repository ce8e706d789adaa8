/** What the card service uses when an option is left out (the command line shows these in --help). */
export const SERVE_DEFAULTS = {
  port: 8731,
  requestTimeoutMs: 30_000,
  maxWaiting: 32,
  maxRequestBytes: 64 * 1024,
  ratePerSecond: 20,
} as const;
