import type { ExchangeEvent, RunResult, ScriptReporter, StepResult } from '../reporter.js';
import { formatLocation } from '../script-errors.js';
import { type LoggedExchange, StepLog } from './step-log.js';

/**
 * `--junit FILE`: the JUnit XML that Jenkins, GitLab and GitHub test reporters read. One
 * <testsuite> per script, one <testcase> per step (setup/teardown only when they fail), the
 * exchanges in <system-out>.
 */
export class JunitReporter implements ScriptReporter {
  private readonly log: StepLog;
  private readonly perStep = new Map<StepResult, { exchanges: LoggedExchange[]; dropped: number }>();

  constructor(
    private readonly write: (xml: string) => void,
    options: { maxExchangesPerStep?: number; timestamp?: () => Date } = {},
  ) {
    this.log = new StepLog(options.maxExchangesPerStep ?? 2000);
    this.timestamp = options.timestamp ?? (() => new Date());
  }

  private readonly timestamp: () => Date;

  exchange(e: ExchangeEvent): void {
    this.log.add(e);
  }

  stepEnd(result: StepResult): void {
    this.perStep.set(result, this.log.take());
  }

  runEnd(result: RunResult): void {
    const t = result.totals;
    const stamp = this.timestamp()
      .toISOString()
      .replace(/\.\d+Z$/, '');
    const lines = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="sscard run" tests="${t.passed + t.failed + t.errors + t.skipped}" failures="${t.failed}" errors="${t.errors}" skipped="${t.skipped}" time="${sec(result.durationMs)}">`,
    ];
    for (const s of result.scripts) {
      const count = (status: string): number => s.steps.filter((x) => x.status === status).length;
      lines.push(
        `  <testsuite name="${attr(s.file)}" tests="${s.steps.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${sec(s.durationMs)}" timestamp="${stamp}">`,
      );
      for (const step of s.steps) {
        const name = step.kind === 'step' ? step.name : `(${step.kind})`;
        lines.push(
          `    <testcase name="${attr(name)}" classname="${attr(s.file)}" file="${attr(step.loc.file)}" line="${step.loc.line}" time="${sec(step.durationMs)}">`,
        );
        if (step.status === 'skipped') lines.push(`      <skipped message="${attr(step.skipReason ?? 'skipped')}"/>`);
        if (step.failure) {
          const f = step.failure;
          const tag = f.kind === 'error' ? 'error' : 'failure';
          const where = f.loc ? `${formatLocation(f.loc)}: ` : '';
          const body = [`${where}${f.source}`, f.message, ...f.details].join('\n');
          lines.push(`      <${tag} message="${attr(`${where}${f.message}`)}" type="${f.kind}">${text(body)}</${tag}>`);
        }
        const logged = this.perStep.get(step);
        if (logged && logged.exchanges.length > 0) {
          const out = logged.exchanges.map(
            (x) =>
              `${x.automatic ? '  ' : ''}> ${x.command}\n${x.automatic ? '  ' : ''}< ${x.response ? `${x.response} ` : ''}${x.sw.slice(0, 2)} ${x.sw.slice(2)} : ${x.meaning}`,
          );
          if (logged.dropped) out.push(`… ${logged.dropped} more exchange(s) not shown`);
          lines.push(`      <system-out>${text(out.join('\n'))}</system-out>`);
        }
        lines.push('    </testcase>');
      }
      lines.push('  </testsuite>');
    }
    lines.push('</testsuites>');
    this.write(`${lines.join('\n')}\n`);
  }
}

function sec(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// XML 1.0 forbids most control characters even escaped; drop them.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
