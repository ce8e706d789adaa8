import { toSpacedHex } from '../../bytes/hex.js';
import { maskCommandForTrace } from '../../channel/secret-masking.js';
import type { ExchangeEvent } from '../reporter.js';
import { swMeaning } from './exchange-format.js';

export interface LoggedExchange {
  /** Secrets masked. */
  command: string;
  response: string;
  sw: string;
  meaning: string;
  automatic: boolean;
  line: number;
}

/** Exchanges of the step that is running, kept for reporters that write them at the end (JSON, JUnit). */
export class StepLog {
  exchanges: LoggedExchange[] = [];
  dropped = 0;
  constructor(private readonly limit: number) {}

  add(e: ExchangeEvent): void {
    if (this.exchanges.length >= this.limit) {
      this.dropped++;
      return;
    }
    const n = e.response.length;
    this.exchanges.push({
      command: maskCommandForTrace(e.command),
      response: toSpacedHex(e.response.subarray(0, Math.max(0, n - 2))),
      sw: e.sw.toString(16).toUpperCase().padStart(4, '0'),
      meaning: swMeaning(e.sw),
      automatic: e.automatic,
      line: e.loc.line,
    });
  }

  take(): { exchanges: LoggedExchange[]; dropped: number } {
    const out = { exchanges: this.exchanges, dropped: this.dropped };
    this.exchanges = [];
    this.dropped = 0;
    return out;
  }
}
