/** One command/response exchange as a trace shows it. Secrets are already masked. */
export interface TraceEvent {
  /** The command in spaced hex, data masked where it is a PIN or key. */
  command: string;
  /** e.g. "SELECT by DF name". */
  commandName: string;
  /** The response data in spaced hex (never secret on these cards). */
  response: string;
  sw: number;
  swHex: string;
  meaning: string;
  /** True for exchanges the channel made by itself (GET RESPONSE, a 6Cxx re-send, chain links). */
  automatic: boolean;
  durationMs: number;
}

export type TraceListener = (event: TraceEvent) => void;
