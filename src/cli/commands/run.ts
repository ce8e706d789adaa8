import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { InputError, type SscardError } from '../../errors.js';
import type { Script } from '../../script/ast.js';
import type { RunResult, ScriptReporter } from '../../script/reporter.js';
import { CheckFailed } from '../check-failed.js';
import type { CliContext, RegisterCommand } from '../cli-context.js';
import { addCardTargetOptions, type CardTargetOptions, type CardTargetSpec, openTransport, parseCardTarget } from '../open-transport.js';
import { checkOutputPath } from '../output-paths.js';

interface RunCommandOptions extends CardTargetOptions {
  t0Auto?: boolean;
  bail?: boolean;
  filter?: string;
  json?: boolean;
  junit?: string;
  record?: string;
  replay?: string[];
  param: string[];
  verbose?: boolean;
  jobs?: string;
}

const SCRIPT_EXTENSIONS = ['.script', '.apdu'];

export const registerRun: RegisterCommand = (program, ctx) => {
  addCardTargetOptions(
    program
      .command('run')
      .description('run APDU scripts (scriptor-compatible, with expectations) against the emulator or a card')
      .argument('[paths...]', 'script files, directories (their *.script files) or glob patterns'),
    {
      timeoutDefault: false,
      timeoutHelp:
        'upper bound in milliseconds of each exchange with the card (and of each PC/SC operation, and of the wait for a --state file another process holds; default 10000 for those)',
    },
  )
    .option('--t0-auto', 'answer 61xx with GET RESPONSE and 6Cxx with a re-send (default: raw, like scriptor)')
    .option('--bail', 'stop after the first failed step (teardown still runs; with --jobs, per job)')
    .option('--filter <regexp>', 'run only steps whose name (or script path) matches')
    .option('--json', 'print one JSON document instead of the transcript')
    .option('--junit <file>', 'write JUnit XML (one test case per step) to FILE')
    .option('--record <file>', 'write a replayable transcript of every exchange to FILE')
    .option('--replay <file...>', 'replay a recorded transcript (or a scriptor/cardpeek log), expecting the recorded answers')
    .option('--param <key=value>', 'set $key for every script (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--verbose', 'print every exchange even when a progress bar would replace them')
    .option(
      '--jobs <n>',
      'with --emulator: run the scripts on N emulated cards at once (worker threads; script i on card i mod N; --state FILE becomes FILE.job1.json … per card); one merged report',
    )
    .action((paths: string[], opts: RunCommandOptions) => runCommand(ctx, paths, opts));
};

async function runCommand(ctx: CliContext, paths: string[], opts: RunCommandOptions): Promise<void> {
  const card = parseCardTarget(opts);
  const jobs = parseJobs(opts.jobs, card);
  const files = [...expandPaths(paths), ...(opts.replay ?? [])];
  if (files.length === 0) throw new InputError('paths', 'no scripts to run: name files, directories or globs (or --replay FILE)');
  const params = parseParams(opts.param);
  const filter = opts.filter === undefined ? undefined : compileFilter(opts.filter);
  // --timeout bounds each exchange only when given; the card spec has it (default 10 s) for PC/SC and the state file wait.
  const exchangeTimeoutMs = opts.timeout === undefined ? undefined : card.timeoutMs;
  const cards = jobs === 1 ? [card] : Array.from({ length: jobs }, (_, k) => jobCard(card, k));
  // Every file the run writes is checked before the first command goes to a card.
  checkOutputs(opts, files, cards);

  // The script engine, its reporters, PC/SC and the emulator load when run runs, not at every start-up.
  const { parseScript } = await import('../../script/parser.js');
  // Parse everything first: a syntax error anywhere stops the run before any command is sent.
  const sources = files.map((file) => ({ file, name: displayName(file) }));
  const scripts: Script[] = sources.map((s) => parseScript(readScript(s.file), s.name, { readInclude: (p) => readFileSync(p, 'utf8') }));

  const junit: string[] = [];
  const record: string[] = [];
  const reporters = await buildReporters(ctx, opts, junit, record, cards[0]!);
  let outcome: { result?: RunResult; error?: unknown };
  try {
    outcome =
      jobs === 1
        ? await runOnOneCard(scripts, card, { params, env: ctx.io.env, opts, filter, exchangeTimeoutMs, reporters })
        : await runOnJobs(scripts, sources, cards, { params, env: ctx.io.env, opts, filter, exchangeTimeoutMs, reporters });
  } finally {
    // Reports are written whatever happened: a run cut short still shows the steps that ran.
    if (opts.record && record.length) writeFileSync(opts.record, record.join(''));
    if (opts.junit && junit.length) writeFileSync(opts.junit, junit.join(''));
  }
  if (outcome.error !== undefined) throw outcome.error;
  const totals = outcome.result!.totals;
  const failedSteps = totals.failed + totals.errors;
  if (!outcome.result!.passed) throw new CheckFailed(`${failedSteps} step${failedSteps === 1 ? '' : 's'} failed`);
}

interface RunSettings {
  params: Record<string, string>;
  env: Record<string, string | undefined>;
  opts: RunCommandOptions;
  filter: RegExp | undefined;
  exchangeTimeoutMs: number | undefined;
  reporters: ScriptReporter[];
}

async function runOnOneCard(scripts: Script[], card: CardTargetSpec, s: RunSettings): Promise<{ result?: RunResult; error?: unknown }> {
  const { runScripts } = await import('../../script/runner.js');
  const opened = await openTransport(card);
  try {
    const result = await runScripts(scripts, {
      transport: opened.transport,
      params: s.params,
      env: s.env,
      t0Auto: s.opts.t0Auto === true,
      bail: s.opts.bail === true,
      ...(s.filter ? { filter: s.filter } : {}),
      ...(s.exchangeTimeoutMs ? { timeoutMs: s.exchangeTimeoutMs } : {}),
      reporters: s.reporters,
    });
    return { result };
  } catch (error) {
    return { error };
  } finally {
    await opened.close();
  }
}

async function runOnJobs(
  scripts: Script[],
  sources: Array<{ file: string; name: string }>,
  cards: CardTargetSpec[],
  s: RunSettings,
): Promise<{ result?: RunResult; error?: SscardError }> {
  const { runInJobs } = await import('../run-jobs.js');
  return runInJobs({
    scripts,
    sources,
    jobs: cards.length,
    cardFor: (k) => cards[k]!,
    options: {
      params: s.params,
      env: { ...s.env },
      t0Auto: s.opts.t0Auto === true,
      bail: s.opts.bail === true,
      ...(s.filter ? { filter: { source: s.filter.source, flags: s.filter.flags } } : {}),
      ...(s.exchangeTimeoutMs ? { timeoutMs: s.exchangeTimeoutMs } : {}),
    },
    reporters: s.reporters,
  });
}

async function buildReporters(
  ctx: CliContext,
  opts: RunCommandOptions,
  junit: string[],
  record: string[],
  card: CardTargetSpec,
): Promise<ScriptReporter[]> {
  const [{ JsonReporter }, { JunitReporter }, { TextReporter }, { TranscriptRecorder }] = await Promise.all([
    import('../../script/reporters/json-reporter.js'),
    import('../../script/reporters/junit-reporter.js'),
    import('../../script/reporters/text-reporter.js'),
    import('../../script/reporters/transcript-recorder.js'),
  ]);
  const reporters: ScriptReporter[] = [];
  if (opts.json) reporters.push(new JsonReporter((t) => ctx.io.stdout(t)));
  else
    reporters.push(
      new TextReporter({
        write: (t) => ctx.io.stdout(t),
        writeProgress: (t) => ctx.io.stderr(t),
        isTty: ctx.io.isTty,
        verbose: opts.verbose === true,
      }),
    );
  if (opts.junit) reporters.push(new JunitReporter((xml) => junit.push(xml)));
  const target = card.kind === 'pcsc' ? (card.reader ?? 'PC/SC') : `sscard emulator (${card.profile})`;
  if (opts.record) reporters.push(new TranscriptRecorder({ write: (t) => record.push(t), target }));
  return reporters;
}

/** `--jobs N`: a whole number from 1, with --emulator only (a reader holds one card). */
function parseJobs(text: string | undefined, card: CardTargetSpec): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InputError('jobs', `--jobs must be a whole number from 1 to 64, got "${text}"`);
  if (n > 1 && card.kind !== 'emulator') throw new InputError('jobs', '--jobs runs on emulated cards: add --emulator');
  return n;
}

/** Job k's card: the same profile; `--state card.json` becomes `card.job<k+1>.json`. */
function jobCard(card: CardTargetSpec, k: number): CardTargetSpec {
  if (card.kind !== 'emulator' || card.state === undefined) return card;
  const ext = extname(card.state);
  const stem = ext === '' ? card.state : card.state.slice(0, -ext.length);
  return { ...card, state: `${stem}.job${k + 1}${ext || '.json'}` };
}

function checkOutputs(opts: RunCommandOptions, inputs: string[], cards: CardTargetSpec[]): void {
  const states = cards.flatMap((c) => (c.kind === 'emulator' && c.state !== undefined ? [c.state] : []));
  for (const state of states) checkOutputPath(state, { what: '--state', existing: 'update', inputs });
  const reads = [...inputs, ...states];
  if (opts.junit !== undefined) checkOutputPath(opts.junit, { what: '--junit', existing: 'overwrite', inputs: reads });
  if (opts.record !== undefined) checkOutputPath(opts.record, { what: '--record', existing: 'overwrite', inputs: reads });
  if (opts.junit !== undefined && opts.record !== undefined && resolve(opts.junit) === resolve(opts.record)) {
    throw new InputError('record', `--junit and --record name the same file ${opts.record}`);
  }
  if (opts.record !== undefined && cards.length > 1) {
    throw new InputError('record', "--record keeps one card's transcript: run without --jobs to record");
  }
}

function readScript(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new InputError('paths', `cannot read script ${file}`);
  }
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel.startsWith('..') ? file : rel.split(sep).join('/');
}

/** Files as given; directories become their script files (recursively, sorted); globs are expanded. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (/[*?[]/.test(p)) {
      const matches = expandGlob(p);
      if (matches.length === 0) throw new InputError('paths', `no script matches ${p}`);
      out.push(...matches);
      continue;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new InputError('paths', `no such script or directory: ${p}`);
    }
    if (st.isDirectory()) {
      const found = walk(p).filter((f) => SCRIPT_EXTENSIONS.some((e) => f.endsWith(e)));
      if (found.length === 0) throw new InputError('paths', `no *.script files in ${p}`);
      out.push(...found);
    } else {
      out.push(p);
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

/** `*` within a name, `**` across directories, `?` one character (for shells that do not expand). */
function expandGlob(pattern: string): string[] {
  const norm = pattern.split(sep).join('/');
  const firstWild = norm.search(/[*?[]/);
  const baseEnd = norm.lastIndexOf('/', firstWild);
  const base = baseEnd < 0 ? '.' : norm.slice(0, baseEnd) || '/';
  let re = '';
  for (let i = baseEnd + 1; i < norm.length; i++) {
    const c = norm[i]!;
    if (c === '*' && norm[i + 1] === '*') {
      re += norm[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += norm[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  let matcher: RegExp;
  try {
    matcher = new RegExp(`^${re}$`);
  } catch {
    // `[` opens a character class, as in the shell; one left open is a bad pattern, not a bug.
    throw new InputError('paths', `${pattern} is not a valid pattern (an unclosed [ ?)`);
  }
  let files: string[];
  try {
    files = walk(base);
  } catch {
    return [];
  }
  return files.filter((f) => matcher.test(relative(base, f).split(sep).join('/')));
}

function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^\$?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(item);
    if (!m) throw new InputError('param', `--param takes key=value (e.g. --param pin=123456), got "${item}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function compileFilter(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new InputError('filter', `--filter is not a regular expression: ${(error as Error).message}`);
  }
}
