import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError } from '../../errors.js';
import type { Script } from '../../script/ast.js';
import type { ScriptReporter } from '../../script/reporter.js';
import type { CardTransport } from '../../transport/card-transport.js';
import type { RegisterCommand } from '../cli-context.js';
import { CheckFailed } from '../main.js';

interface RunCommandOptions {
  emulator?: boolean;
  profile?: string;
  state?: string;
  reader?: string;
  t0Auto?: boolean;
  bail?: boolean;
  filter?: string;
  timeout?: string;
  json?: boolean;
  junit?: string;
  record?: string;
  replay?: string[];
  param: string[];
  verbose?: boolean;
}

const SCRIPT_EXTENSIONS = ['.script', '.apdu'];

export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description('run APDU scripts (scriptor-compatible, with expectations) against the emulator or a card')
    .argument('[paths...]', 'script files, directories (their *.script files) or glob patterns')
    .option('--emulator', 'run against the built-in emulator (takes no value)')
    .option('--profile <profile>', 'emulator card profile: a .json file or a name in emulator/profiles')
    .option('--state <file>', 'emulator state file: the card keeps its changes there between runs')
    .option('-r, --reader <name>', 'PC/SC reader (a part of its name); default target when --emulator is not given')
    .option('--t0-auto', 'answer 61xx with GET RESPONSE and 6Cxx with a re-send (default: raw, like scriptor)')
    .option('--bail', 'stop after the first failed step (teardown still runs)')
    .option('--filter <regexp>', 'run only steps whose name (or script path) matches')
    .option('--timeout <ms>', 'upper bound for each exchange with the card, in milliseconds')
    .option('--json', 'print one JSON document instead of the transcript')
    .option('--junit <file>', 'write JUnit XML (one test case per step) to FILE')
    .option('--record <file>', 'write a replayable transcript of every exchange to FILE')
    .option('--replay <file...>', 'replay a recorded transcript (or a scriptor/cardpeek log), expecting the recorded answers')
    .option('--param <key=value>', 'set $key for every script (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--verbose', 'print every exchange even when a progress bar would replace them')
    .action(async (paths: string[], opts: RunCommandOptions) => {
      if (opts.emulator && opts.reader) throw new InputError('reader', '--reader and --emulator exclude each other');
      if (!opts.emulator && (opts.profile || opts.state)) throw new InputError('profile', '--profile and --state need --emulator');
      const files = [...expandPaths(paths), ...(opts.replay ?? [])];
      if (files.length === 0) throw new InputError('paths', 'no scripts to run: name files, directories or globs (or --replay FILE)');
      const params = parseParams(opts.param);
      const filter = opts.filter === undefined ? undefined : compileFilter(opts.filter);
      const timeoutMs = opts.timeout === undefined ? undefined : parseTimeout(opts.timeout);

      // The script engine, its reporters, PC/SC and the emulator load when run runs, not at every start-up.
      const [{ parseScript }, { runScripts }, { JsonReporter }, { JunitReporter }, { TextReporter }, { TranscriptRecorder }] =
        await Promise.all([
          import('../../script/parser.js'),
          import('../../script/runner.js'),
          import('../../script/reporters/json-reporter.js'),
          import('../../script/reporters/junit-reporter.js'),
          import('../../script/reporters/text-reporter.js'),
          import('../../script/reporters/transcript-recorder.js'),
        ]);

      // Parse everything first: a syntax error anywhere stops the run before any command is sent.
      const scripts: Script[] = files.map((file) =>
        parseScript(readScript(file), displayName(file), { readInclude: (p) => readFileSync(p, 'utf8') }),
      );

      const transport: CardTransport = opts.emulator
        ? (await import('../emulator-target.js')).emulatorTarget({
            ...(opts.profile ? { profile: opts.profile } : {}),
            ...(opts.state ? { state: opts.state } : {}),
          })
        : new (await import('../../transport/pcsc-transport.js')).PcscTransport({
            ...(opts.reader ? { reader: opts.reader } : {}),
            ...(timeoutMs ? { timeoutMs } : {}),
          });

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
      const junit: string[] = [];
      if (opts.junit) reporters.push(new JunitReporter((xml) => junit.push(xml)));
      const record: string[] = [];
      if (opts.record) reporters.push(new TranscriptRecorder({ write: (t) => record.push(t), target: transport.name }));

      let passed: boolean;
      let failedSteps = 0;
      try {
        const result = await runScripts(scripts, {
          transport,
          params,
          env: ctx.io.env,
          t0Auto: opts.t0Auto === true,
          bail: opts.bail === true,
          ...(filter ? { filter } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
          reporters,
        });
        passed = result.passed;
        failedSteps = result.totals.failed + result.totals.errors;
      } finally {
        await transport.close();
        if (opts.record && record.length) writeFileSync(opts.record, record.join(''));
      }
      if (opts.junit) writeFileSync(opts.junit, junit.join(''));
      if (!passed) throw new CheckFailed(`${failedSteps} step${failedSteps === 1 ? '' : 's'} failed`);
    });
};

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
  const matcher = new RegExp(`^${re}$`);
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

function parseTimeout(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InputError('timeout', `--timeout must be a positive number of milliseconds, got "${text}"`);
  return n;
}
