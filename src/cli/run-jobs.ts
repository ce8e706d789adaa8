import { Worker } from 'node:worker_threads';
import { SscardError } from '../errors.js';
import type { Script } from '../script/ast.js';
import type { RunResult, ScriptReporter, ScriptResult, StepResult } from '../script/reporter.js';
import { runResult } from '../script/runner.js';
import { unpackExchanges } from './exchange-batch.js';
import type { CardTargetSpec } from './open-transport.js';
import { type JobEvent, type JobParams, runJob } from './run-job.js';

export interface JobsRun {
  scripts: Script[];
  /** Per script: its file and the name reports show. */
  sources: Array<{ file: string; name: string }>;
  jobs: number;
  /** The card of job k (0-based): the same profile, its own state file. */
  cardFor: (job: number) => CardTargetSpec;
  options: Omit<JobParams, 'scripts' | 'card'>;
  reporters: ScriptReporter[];
}

/** What a script's events are while its job runs, and its result once it ended. */
interface ScriptSlot {
  job: number;
  events: JobEvent[];
  result?: ScriptResult;
  stepIds?: number[];
}

/**
 * `sscard run --jobs N`: scripts dealt round-robin to N jobs (script i to job i mod N), each on
 * its own emulated card in a worker thread. The reporters hear every script whole and in the
 * order given, as if one runner had run them, so text, JSON and JUnit come out as one report.
 * Returns the merged result and the first error that stopped a job, if any.
 */
export async function runInJobs(run: JobsRun): Promise<{ result: RunResult; error?: SscardError }> {
  const started = performance.now();
  const n = run.scripts.length;
  const jobs = Math.max(1, Math.min(run.jobs, n));
  for (const r of run.reporters) r.runStart?.(run.scripts);
  const slots: ScriptSlot[] = run.scripts.map((_, i) => ({ job: i % jobs, events: [] }));
  const current: number[] = new Array(jobs).fill(-1);
  const finished: boolean[] = new Array(jobs).fill(false);
  const replayed: ScriptResult[] = [];
  const canonical = new Map<string, StepResult>();
  let error: SscardError | undefined;
  let next = 0;

  const replay = () => {
    while (next < n) {
      const slot = slots[next]!;
      if (slot.result === undefined) {
        if (!finished[slot.job]) return;
        next++; // its job stopped before reaching it
        continue;
      }
      replayed.push(replayScript(run.scripts[next]!, slot, canonical, run.reporters));
      slot.events = [];
      next++;
    }
  };

  const onEvents = (job: number, events: JobEvent[]) => {
    for (const e of events) {
      if (e.kind === 'scriptStart') current[job] = e.index;
      else if (e.kind === 'scriptEnd' || (e.kind === 'runEnd' && e.partial)) {
        const end = e.kind === 'scriptEnd' ? e : e.partial!;
        slots[end.index]!.result = end.result;
        slots[end.index]!.stepIds = end.stepIds;
        current[job] = -1;
      }
      if (e.kind === 'runEnd' && e.aborted) error ??= new SscardError(e.aborted.code, e.aborted.message);
      else if (e.kind === 'failed') error ??= new SscardError(e.code, e.message);
      else if (current[job]! >= 0) slots[current[job]!]!.events.push(e);
    }
    replay();
  };

  await Promise.all(
    Array.from({ length: jobs }, async (_, job) => {
      const params: JobParams = {
        ...run.options,
        scripts: slots.flatMap((s, index) => (s.job === job ? [{ index, ...run.sources[index]! }] : [])),
        card: run.cardFor(job),
      };
      try {
        await startJob(params, (events) => onEvents(job, events));
      } catch (e) {
        error ??= new SscardError('EINTERNAL', `job ${job + 1}: ${e instanceof Error ? e.message : String(e)}`);
      }
      finished[job] = true;
      replay();
    }),
  );

  const aborted = error ? { code: error.code, message: error.message } : undefined;
  const result = runResult(replayed, performance.now() - started, aborted);
  for (const r of run.reporters) r.runEnd?.(result);
  return error ? { result, error } : { result };
}

/** Plays one script's recorded events to the reporters; the step objects they saw make up its result. */
function replayScript(script: Script, slot: ScriptSlot, canonical: Map<string, StepResult>, reporters: ScriptReporter[]): ScriptResult {
  const key = (id: number) => `${slot.job}:${id}`;
  for (const r of reporters) r.scriptStart?.(script);
  for (const e of slot.events) {
    if (e.kind === 'exchanges') {
      for (const x of unpackExchanges(e.packed)) for (const r of reporters) r.exchange?.(x);
    } else if (e.kind === 'stepEnd') {
      canonical.set(key(e.id), e.result);
      for (const r of reporters) r.stepEnd?.(e.result);
    } else {
      for (const r of reporters) {
        if (e.kind === 'sectionStart') r.sectionStart?.(...e.args);
        else if (e.kind === 'reset') r.reset?.(e.atr, e.reset, e.loc);
        else if (e.kind === 'print') r.print?.(e.text, e.loc);
      }
    }
  }
  const result = slot.result!;
  const steps = result.steps.map((s, i) => canonical.get(key(slot.stepIds![i]!)) ?? s);
  const merged: ScriptResult = { ...result, file: script.file, steps };
  for (const r of reporters) r.scriptEnd?.(merged);
  return merged;
}

/**
 * A job in a worker thread; from the TypeScript sources (tests run there) no compiled worker
 * exists, so the job runs on this thread instead: the same code, interleaved, not in parallel.
 */
function startJob(params: JobParams, onEvents: (events: JobEvent[]) => void): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return runJob(params, onEvents);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./run-job-worker.js', import.meta.url), { workerData: params });
    worker.on('message', (events: JobEvent[]) => onEvents(events));
    worker.on('error', reject);
    worker.on('exit', () => resolve());
  });
}
