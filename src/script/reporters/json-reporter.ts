import type { ExchangeEvent, RunResult, ScriptReporter, StepResult } from '../reporter.js';
import { formatLocation } from '../script-errors.js';
import { type LoggedExchange, StepLog } from './step-log.js';

/** `--json`: one document at the end with every script, step, failure and (masked) exchange. */
export class JsonReporter implements ScriptReporter {
  private readonly log: StepLog;
  private readonly perStep = new Map<StepResult, { exchanges: LoggedExchange[]; dropped: number }>();

  constructor(
    private readonly write: (text: string) => void,
    options: { maxExchangesPerStep?: number } = {},
  ) {
    this.log = new StepLog(options.maxExchangesPerStep ?? 10_000);
  }

  exchange(e: ExchangeEvent): void {
    this.log.add(e);
  }

  stepEnd(result: StepResult): void {
    this.perStep.set(result, this.log.take());
  }

  runEnd(result: RunResult): void {
    const doc = {
      passed: result.passed,
      totals: result.totals,
      durationMs: round(result.durationMs),
      ...(result.aborted ? { error: result.aborted } : {}),
      scripts: result.scripts.map((s) => ({
        file: s.file,
        commands: s.commands,
        durationMs: round(s.durationMs),
        steps: s.steps.map((step) => {
          const logged = this.perStep.get(step);
          return {
            name: step.name,
            kind: step.kind,
            status: step.status,
            location: formatLocation(step.loc),
            commands: step.commands,
            durationMs: round(step.durationMs),
            ...(step.skipReason ? { skipReason: step.skipReason } : {}),
            ...(step.failure
              ? {
                  failure: {
                    kind: step.failure.kind,
                    location: step.failure.loc ? formatLocation(step.failure.loc) : undefined,
                    source: step.failure.source,
                    message: step.failure.message,
                    details: step.failure.details,
                  },
                }
              : {}),
            exchanges: logged?.exchanges ?? [],
            ...(logged?.dropped ? { exchangesDropped: logged.dropped } : {}),
          };
        }),
      })),
    };
    this.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
