import { toSpacedHex } from '../../bytes/hex.js';
import type { Script } from '../ast.js';
import type { ExchangeEvent, RunResult, ScriptReporter, StepResult } from '../reporter.js';
import { formatLocation, type SourceLocation } from '../script-errors.js';
import { BufferedWriter } from './buffered-writer.js';
import { commandLine, responseLine } from './exchange-format.js';

export interface TextReporterOptions {
  write: (text: string) => void;
  /** Where the progress bar goes (stderr); only used when `isTty`. */
  writeProgress?: (text: string) => void;
  isTty?: boolean;
  /** Print every exchange even on a long run at a terminal (where a progress bar replaces them). */
  verbose?: boolean;
  /** Runs with at least this many commands show a progress bar instead of exchanges on a TTY. */
  progressThreshold?: number;
}

/**
 * What a person reads: `> command` / `< response SW : meaning` (PINs and keys masked), comments,
 * step results with expected vs actual, and a summary. On a terminal, a long run shows a
 * progress bar instead of every exchange.
 */
export class TextReporter implements ScriptReporter {
  private readonly out: BufferedWriter;
  private progressOnly = false;
  private total = 0;
  private done = 0;
  private lastDraw = 0;
  private lastExchange: ExchangeEvent | undefined;
  private implicitStep = false;

  constructor(private readonly options: TextReporterOptions) {
    this.out = new BufferedWriter(options.write);
  }

  runStart(scripts: Script[]): void {
    this.total = scripts.reduce((n, s) => n + s.estimatedCommands, 0);
    const threshold = this.options.progressThreshold ?? 1000;
    this.progressOnly = Boolean(this.options.isTty && !this.options.verbose && this.total >= threshold);
  }

  scriptStart(script: Script): void {
    this.out.line(`== ${script.file}`);
    this.implicitStep = script.steps.length === 1 && script.steps[0]!.implicit;
  }

  sectionStart(kind: 'setup' | 'step' | 'teardown', name: string, _loc: SourceLocation, comments: string[]): void {
    if (kind === 'step' && this.implicitStep) return;
    for (const c of comments) this.out.line(`# ${c}`);
    this.out.line(kind === 'step' ? `-- step ${name}` : `-- ${kind}`);
  }

  exchange(e: ExchangeEvent): void {
    this.done++;
    this.lastExchange = e;
    if (this.progressOnly) {
      if ((this.done & 255) === 0) this.drawProgress(false);
      return;
    }
    if (e.comments) for (const c of e.comments) this.out.line(`# ${c}`);
    const indent = e.automatic ? '  ' : '';
    this.out.line(`${indent}${commandLine(e.command)}`);
    this.out.line(`${indent}${responseLine(e.response, e.sw)}`);
  }

  reset(atr: Uint8Array, kind: 'warm' | 'cold'): void {
    if (this.progressOnly) return;
    this.out.line(`> reset${kind === 'cold' ? ' cold' : ''}`);
    this.out.line(`< ATR ${toSpacedHex(atr)}`);
  }

  print(text: string): void {
    this.out.line(text);
  }

  stepEnd(r: StepResult): void {
    const label = r.kind === 'step' ? (this.implicitStep ? r.file : r.name) : r.kind;
    if (r.status === 'passed') {
      this.out.line(`✓ ${label} (${r.commands} command${r.commands === 1 ? '' : 's'}, ${ms(r.durationMs)})`);
    } else if (r.failure) {
      const f = r.failure;
      if (this.progressOnly && this.lastExchange) {
        this.out.line(commandLine(this.lastExchange.command));
        this.out.line(responseLine(this.lastExchange.response, this.lastExchange.sw));
      }
      this.out.line(`✗ ${label}${f.loc ? ` (${formatLocation(f.loc)})` : ''}${f.kind === 'error' ? ': error' : ''}`);
      if (f.source) this.out.line(`    ${f.source}`);
      this.out.line(`    ${f.message}`);
      for (const d of f.details) if (!f.message.endsWith(d)) this.out.line(`    ${d}`);
    }
    this.out.flush();
  }

  runEnd(result: RunResult): void {
    if (this.progressOnly) this.drawProgress(true);
    for (const s of result.scripts) {
      for (const step of s.steps) if (step.status === 'skipped') this.out.line(`- ${step.name} skipped: ${step.skipReason ?? ''}`);
    }
    const t = result.totals;
    const parts = [`${t.passed} passed`];
    if (t.failed) parts.push(`${t.failed} failed`);
    if (t.errors) parts.push(`${t.errors} error${t.errors === 1 ? '' : 's'}`);
    if (t.skipped) parts.push(`${t.skipped} skipped`);
    if (result.aborted) this.out.line(`STOPPED: ${result.aborted.message}`);
    this.out.line(
      `${result.passed ? 'PASS' : 'FAIL'}: ${t.scripts} script${t.scripts === 1 ? '' : 's'}, ${parts.join(', ')}; ${t.commands} command${t.commands === 1 ? '' : 's'} in ${ms(result.durationMs)}`,
    );
    this.out.flush();
  }

  private drawProgress(final: boolean): void {
    const write = this.options.writeProgress;
    if (!write) return;
    const now = performance.now();
    if (!final && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const total = Math.max(this.total, this.done);
    const width = 30;
    const filled = Math.round((this.done / total) * width);
    write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${this.done}/${total} commands${final ? '\n' : ''}`);
  }
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}
