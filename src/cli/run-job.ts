import { readFileSync } from 'node:fs';
import { SscardError } from '../errors.js';
import type { Script } from '../script/ast.js';
import { parseScript } from '../script/parser.js';
import type { ExchangeEvent, RunResult, ScriptReporter, ScriptResult, StepResult } from '../script/reporter.js';
import { runScripts } from '../script/runner.js';
import type { SourceLocation } from '../script/script-errors.js';
import { ExchangeBatch, type PackedExchanges } from './exchange-batch.js';
import { type CardTargetSpec, openTransport } from './open-transport.js';

/** One job of `sscard run --jobs N`: some of the scripts, on a card of its own. */
export interface JobParams {
  /** Index of each script in the whole run, with its file and the name reports show. */
  scripts: Array<{ index: number; file: string; name: string }>;
  card: CardTargetSpec;
  params: Record<string, string>;
  env: Record<string, string | undefined>;
  t0Auto: boolean;
  bail: boolean;
  filter?: { source: string; flags: string };
  timeoutMs?: number;
}

/** What a job reports, in order; step results travel by id so the merged report keeps one object per step. */
export type JobEvent =
  | { kind: 'scriptStart'; index: number }
  | { kind: 'sectionStart'; args: [kind: 'setup' | 'step' | 'teardown', name: string, loc: SourceLocation, comments: string[]] }
  | { kind: 'exchanges'; packed: PackedExchanges }
  | { kind: 'reset'; atr: Uint8Array; reset: 'warm' | 'cold'; loc: SourceLocation }
  | { kind: 'print'; text: string; loc: SourceLocation }
  | { kind: 'stepEnd'; id: number; result: StepResult }
  | { kind: 'scriptEnd'; index: number; result: ScriptResult; stepIds: number[] }
  | { kind: 'runEnd'; partial: { index: number; result: ScriptResult; stepIds: number[] } | undefined; aborted?: RunResult['aborted'] }
  | { kind: 'failed'; code: string; message: string };

// Events go to the main thread in batches: one message per exchange would cost more than the exchange.
const BATCH = 2048;

/** Runs a job's scripts and hands its events to `emit` (with the buffers to transfer) in batches; never throws. */
export async function runJob(job: JobParams, emit: (events: JobEvent[], transfer: ArrayBuffer[]) => void): Promise<void> {
  let pending: JobEvent[] = [];
  let transfer: ArrayBuffer[] = [];
  let exchanges: ExchangeBatch | undefined;
  const closeExchanges = () => {
    if (exchanges === undefined) return;
    const { packed, transfer: buffers } = exchanges.pack();
    pending.push({ kind: 'exchanges', packed });
    transfer.push(...buffers);
    exchanges = undefined;
  };
  const flush = () => {
    closeExchanges();
    if (pending.length === 0) return;
    emit(pending, transfer);
    pending = [];
    transfer = [];
  };
  const push = (e: JobEvent | ExchangeEvent) => {
    if ('command' in e) {
      exchanges ??= new ExchangeBatch();
      exchanges.add(e);
      if (exchanges.size >= BATCH) flush();
      return;
    }
    closeExchanges();
    pending.push(e);
    if (pending.length >= BATCH) flush();
  };
  let scripts: Script[];
  let opened: Awaited<ReturnType<typeof openTransport>> | undefined;
  try {
    scripts = job.scripts.map((s) => parseScript(readFileSync(s.file, 'utf8'), s.name, { readInclude: (p) => readFileSync(p, 'utf8') }));
    opened = await openTransport(job.card);
  } catch (error) {
    push(failed(error));
    flush();
    return;
  }
  const forwarder = new ForwardingReporter(job, scripts, push);
  try {
    await runScripts(scripts, {
      transport: opened.transport,
      params: job.params,
      env: job.env,
      t0Auto: job.t0Auto,
      bail: job.bail,
      ...(job.filter ? { filter: new RegExp(job.filter.source, job.filter.flags) } : {}),
      ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
      reporters: [forwarder],
    });
  } catch {
    // The runner reported the run as aborted (runEnd) before it threw: nothing more to send.
  } finally {
    try {
      await opened.close();
    } catch (error) {
      push(failed(error));
    }
    flush();
  }
}

function failed(error: unknown): JobEvent {
  return {
    kind: 'failed',
    code: error instanceof SscardError ? error.code : 'EINTERNAL',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Passes a job's reporter calls on as JobEvents, naming scripts by their index in the whole run. */
class ForwardingReporter implements ScriptReporter {
  private readonly ids = new Map<StepResult, number>();
  private current = -1;

  constructor(
    private readonly job: JobParams,
    private readonly scripts: Script[],
    private readonly push: (e: JobEvent | ExchangeEvent) => void,
  ) {}

  private idOf(step: StepResult): number {
    let id = this.ids.get(step);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(step, id);
    }
    return id;
  }

  scriptStart(script: Script): void {
    this.current = this.job.scripts[this.scripts.indexOf(script)]!.index;
    this.push({ kind: 'scriptStart', index: this.current });
  }
  sectionStart(kind: 'setup' | 'step' | 'teardown', name: string, loc: SourceLocation, comments: string[]): void {
    this.push({ kind: 'sectionStart', args: [kind, name, loc, comments] });
  }
  exchange(event: ExchangeEvent): void {
    this.push(event);
  }
  reset(atr: Uint8Array, reset: 'warm' | 'cold', loc: SourceLocation): void {
    this.push({ kind: 'reset', atr, reset, loc });
  }
  print(text: string, loc: SourceLocation): void {
    this.push({ kind: 'print', text, loc });
  }
  stepEnd(result: StepResult): void {
    this.push({ kind: 'stepEnd', id: this.idOf(result), result });
  }
  scriptEnd(result: ScriptResult): void {
    this.push({ kind: 'scriptEnd', index: this.current, result, stepIds: result.steps.map((s) => this.idOf(s)) });
    this.current = -1;
  }
  runEnd(result: RunResult): void {
    // A run cut short lists the script it was in last, without a scriptEnd.
    const last = result.scripts[result.scripts.length - 1];
    const partial =
      result.aborted && last !== undefined && this.current >= 0
        ? { index: this.current, result: last, stepIds: last.steps.map((s) => this.idOf(s)) }
        : undefined;
    this.push({ kind: 'runEnd', partial, ...(result.aborted ? { aborted: result.aborted } : {}) });
  }
}
