import { CardChannel } from '../channel/card-channel.js';
import { SscardError } from '../errors.js';
import type { CardTransport, ResetKind } from '../transport/card-transport.js';
import { TransportError } from '../transport/transport-error.js';
import { withTimeout } from '../transport/with-timeout.js';
import type { Script, Statement } from './ast.js';
import { checkAssertion, checkExpectation } from './check-expectation.js';
import { clearLastResponse, type EvaluationScope, evaluate, evaluateBytes, setLastData, setLastResponse } from './evaluator.js';
import { defaultRandom } from './functions.js';
import { MAX_REPEAT } from './parser.js';
import type { FailureInfo, RunResult, RunTotals, ScriptReporter, ScriptResult, StepResult } from './reporter.js';
import { ScriptRuntimeError, ScriptValueError, type SourceLocation } from './script-errors.js';
import { Literal, showValue, toNumber, type Value } from './value.js';

export interface RunOptions {
  /** Connected by the runner at the start; the caller closes it. */
  transport: CardTransport;
  /** `--param k=v`: variables every script starts with (they override `param` defaults). */
  params?: Record<string, string>;
  /** Read by `${NAME}` when no variable NAME exists, and by env("NAME"). */
  env?: Record<string, string | undefined>;
  /**
   * Start scripts in `t0 auto` mode (GET RESPONSE after 61xx, re-send after 6Cxx, chaining).
   * Default false: scriptor's raw mode, each line is exactly one exchange.
   */
  t0Auto?: boolean;
  /** Stop after the first failed step (teardown still runs). */
  bail?: boolean;
  /** Only steps whose name or file matches run (setup and teardown run for them). */
  filter?: RegExp;
  /** Upper bound per exchange; a card that does not answer fails the run with a transport timeout. */
  timeoutMs?: number;
  reporters?: ScriptReporter[];
  /** Clock for date() and time(); tests pin it. */
  now?: () => Date;
  random?: (length: number) => Uint8Array;
}

/** Ends a step: a failed expectation or a statement that could not run. */
class StepFailure extends Error {
  constructor(readonly info: FailureInfo) {
    super(info.message);
  }
}

/** `exit`: the script ends here (teardown still runs). */
class ScriptExit extends Error {}

interface Section {
  kind: 'setup' | 'step' | 'teardown';
  name: string;
  loc: SourceLocation;
  comments: string[];
  body: Statement[];
}

/**
 * Runs parsed scripts on one card, in order. The transport is connected once; every script after
 * the first starts with a warm reset, so no security state leaks from one script into the next.
 */
/** Commands sent synchronously in a row before the runner lets the event loop run. */
const SYNC_BATCH = 1000;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runScripts(scripts: Script[], options: RunOptions): Promise<RunResult> {
  const runner = new ScriptRunner(options);
  return runner.run(scripts);
}

class ScriptRunner {
  private readonly reporters: ScriptReporter[];
  private readonly transport: CardTransport;
  private readonly scope: EvaluationScope;
  private t0Auto = false;
  private channel: CardChannel | undefined;
  private bailed = false;
  private commands = 0;
  private syncRun = 0;
  /** The script running now, so that a run cut short still reports the steps it finished. */
  private partial: { script: Script; steps: StepResult[]; started: number; commandsBefore: number } | undefined;
  /** Set while a statement runs in t0-auto mode: the channel's exchanges go to reporters. */
  private current: { loc: SourceLocation; source: string | undefined; comments: string[] | undefined; sends: number } | undefined;

  constructor(private readonly options: RunOptions) {
    this.reporters = options.reporters ?? [];
    const base = options.transport;
    const timeout = options.timeoutMs;
    this.transport =
      timeout && timeout > 0
        ? {
            name: base.name,
            connect: () => withTimeout(base.connect(), timeout, `${base.name}: connect`),
            transmit: (c) => withTimeout(base.transmit(c), timeout, `${base.name}: command`),
            reset: (k?: ResetKind) => withTimeout(base.reset(k), timeout, `${base.name}: reset`),
            close: () => base.close(),
          }
        : base;
    this.scope = {
      vars: new Map(),
      env: options.env ?? {},
      lastResponse: undefined,
      lastDataView: undefined,
      lastSw: undefined,
      atr: new Uint8Array(0),
      now: options.now ?? (() => new Date()),
      random: options.random ?? defaultRandom,
    };
  }

  async run(scripts: Script[]): Promise<RunResult> {
    const started = performance.now();
    for (const r of this.reporters) r.runStart?.(scripts);
    const results: ScriptResult[] = [];
    try {
      this.scope.atr = await this.transport.connect();
      for (let i = 0; i < scripts.length; i++) {
        const script = scripts[i]!;
        if (i > 0 && !this.bailed && this.selected(script).length > 0) this.scope.atr = await this.transport.reset('warm');
        results.push(await this.runScript(script));
      }
    } catch (error) {
      // The card went away (or sscard failed) midway: the reports still get what ran, then the
      // error goes on to the caller (exit 3 for a lost reader).
      if (this.partial !== undefined)
        results.push(this.scriptResult(this.partial.script, this.partial.steps, this.partial.started, this.partial.commandsBefore));
      const aborted = {
        code: error instanceof SscardError ? error.code : 'EINTERNAL',
        message: error instanceof Error ? error.message : String(error),
      };
      const result = this.finish(results, started, aborted);
      for (const r of this.reporters) r.runEnd?.(result);
      throw error;
    }
    const result = this.finish(results, started, undefined);
    for (const r of this.reporters) r.runEnd?.(result);
    return result;
  }

  private finish(results: ScriptResult[], started: number, aborted: RunResult['aborted']): RunResult {
    return runResult(results, performance.now() - started, aborted);
  }

  private selected(script: Script): Script['steps'] {
    const filter = this.options.filter;
    if (!filter) return script.steps;
    return script.steps.filter((s) => filter.test(s.name) || filter.test(script.file));
  }

  private async runScript(script: Script): Promise<ScriptResult> {
    const started = performance.now();
    const commandsBefore = this.commands;
    for (const r of this.reporters) r.scriptStart?.(script);
    this.resetSession();
    const steps: StepResult[] = [];
    this.partial = { script, steps, started, commandsBefore };
    const selected = new Set(this.selected(script));
    let skipReason: string | undefined = this.bailed
      ? 'an earlier step failed (--bail)'
      : selected.size === 0
        ? 'not selected by --filter'
        : undefined;
    const began = skipReason === undefined;
    if (began) {
      const setup: Section = {
        kind: 'setup',
        name: 'setup',
        loc: { file: script.file, line: 1, column: 1 },
        comments: [],
        body: [...script.prelude, ...script.setup],
      };
      const outcome = await this.runSection(setup, script.file, script.setup.length > 0);
      if (outcome.result.status !== 'passed') {
        steps.push(outcome.result);
        if (this.options.bail) this.bailed = true;
      }
      if (outcome.exited) skipReason = 'the script ended with exit';
      else if (outcome.result.status !== 'passed') skipReason = 'setup failed';
    }
    for (const step of script.steps) {
      if (!selected.has(step)) continue; // filtered out: not reported
      if (skipReason !== undefined) {
        steps.push(skipped(script.file, step, skipReason));
        continue;
      }
      const outcome = await this.runSection(
        { kind: 'step', name: step.name, loc: step.loc, comments: step.comments, body: step.body },
        script.file,
        true,
      );
      steps.push(outcome.result);
      if (outcome.exited) skipReason = 'the script ended with exit';
      else if (outcome.result.status !== 'passed' && this.options.bail) {
        this.bailed = true;
        skipReason = 'an earlier step failed (--bail)';
      }
    }
    if (began && script.teardown.length > 0) {
      const teardown: Section = { kind: 'teardown', name: 'teardown', loc: script.teardown[0]!.loc, comments: [], body: script.teardown };
      const outcome = await this.runSection(teardown, script.file, true);
      if (outcome.result.status !== 'passed') steps.push(outcome.result);
    }
    this.partial = undefined;
    const result = this.scriptResult(script, steps, started, commandsBefore);
    for (const r of this.reporters) r.scriptEnd?.(result);
    return result;
  }

  private scriptResult(script: Script, steps: StepResult[], started: number, commandsBefore: number): ScriptResult {
    return { file: script.file, steps, commands: this.commands - commandsBefore, durationMs: performance.now() - started };
  }

  private resetSession(): void {
    this.scope.vars.clear();
    for (const [k, v] of Object.entries(this.options.params ?? {})) this.scope.vars.set(k, new Literal(v));
    clearLastResponse(this.scope);
    this.setT0Auto(this.options.t0Auto ?? false);
  }

  private setT0Auto(auto: boolean): void {
    this.t0Auto = auto;
    if (auto && !this.channel) this.channel = new CardChannel(this.observedTransport());
  }

  /** The transport as the channel sees it in t0-auto mode: every exchange, automatic ones too, is reported. */
  private observedTransport(): CardTransport {
    const inner = this.transport;
    return {
      name: inner.name,
      connect: () => inner.connect(),
      reset: (k?: ResetKind) => inner.reset(k),
      close: () => inner.close(),
      transmit: async (command) => {
        const response = await inner.transmit(command);
        const cur = this.current;
        if (cur) {
          this.emitExchange(command, response, cur.sends > 0, cur.loc, cur.source, cur.sends === 0 ? cur.comments : undefined);
          cur.sends++;
        }
        return response;
      },
    };
  }

  private emitExchange(
    command: Uint8Array,
    response: Uint8Array,
    automatic: boolean,
    loc: SourceLocation,
    source: string | undefined,
    comments: string[] | undefined,
  ): void {
    this.commands++;
    if (this.reporters.length === 0) return;
    const n = response.length;
    const sw = n >= 2 ? (response[n - 2]! << 8) | response[n - 1]! : 0;
    const event = { command, response, sw, automatic, loc, source, comments };
    for (const r of this.reporters) r.exchange?.(event);
  }

  private async runSection(section: Section, file: string, announce: boolean): Promise<{ result: StepResult; exited: boolean }> {
    if (announce) for (const r of this.reporters) r.sectionStart?.(section.kind, section.name, section.loc, section.comments);
    const started = performance.now();
    const commandsBefore = this.commands;
    let failure: FailureInfo | undefined;
    let exited = false;
    try {
      await this.execute(section.body);
    } catch (error) {
      if (error instanceof StepFailure) failure = error.info;
      else if (error instanceof ScriptExit) exited = true;
      else if (error instanceof TransportError) {
        failure = { kind: 'error', loc: undefined, source: '', message: error.message, details: [] };
        const result = this.sectionResult(section, file, failure, started, commandsBefore);
        this.partial?.steps.push(result);
        for (const r of this.reporters) r.stepEnd?.(result);
        throw error;
      } else if (error instanceof ScriptValueError) throw error;
      else if (error instanceof SscardError) {
        const loc = error instanceof ScriptRuntimeError ? error.location : undefined;
        const message = error instanceof ScriptRuntimeError ? error.detail : error.message;
        failure = { kind: 'error', loc, source: '', message, details: [] };
      } else throw error;
    }
    const result = this.sectionResult(section, file, failure, started, commandsBefore);
    if (announce || failure) for (const r of this.reporters) r.stepEnd?.(result);
    return { result, exited };
  }

  private sectionResult(
    section: Section,
    file: string,
    failure: FailureInfo | undefined,
    started: number,
    commandsBefore: number,
  ): StepResult {
    return {
      file,
      name: section.name,
      kind: section.kind,
      loc: section.loc,
      status: failure ? (failure.kind === 'error' ? 'error' : 'failed') : 'passed',
      commands: this.commands - commandsBefore,
      durationMs: performance.now() - started,
      failure,
    };
  }

  private async execute(body: Statement[]): Promise<void> {
    const scope = this.scope;
    const transport = this.transport;
    for (let i = 0; i < body.length; i++) {
      const s = body[i]!;
      // The hot path of long scripts, kept out of the switch: a plain hex line in raw mode. An
      // in-process card answers synchronously: no promise per command, but the event loop still
      // gets a turn every SYNC_BATCH commands so output and signals are not starved.
      if (s.kind === 'apdu' && s.bytes !== undefined && !this.t0Auto) {
        if (transport.transmitSync) {
          this.accept(s, s.bytes, transport.transmitSync(s.bytes));
          if (++this.syncRun >= SYNC_BATCH) {
            this.syncRun = 0;
            await yieldToEventLoop();
          }
        } else {
          this.accept(s, s.bytes, await transport.transmit(s.bytes));
        }
        continue;
      }
      if (s.kind === 'expect') {
        if (scope.lastSw === undefined) throw new ScriptRuntimeError('expect: no response yet (send a command first)', s.loc);
        const f = checkExpectation(s.expectation, scope);
        if (f) throw new StepFailure(f);
        continue;
      }
      switch (s.kind) {
        case 'apdu': {
          await this.sendApdu(s);
          break;
        }
        case 'assign': {
          if (s.onlyIfUnset && scope.vars.has(s.name)) break;
          if (s.onlyIfUnset && s.expr.kind === 'variable' && s.expr.name === s.name) {
            const fromEnv = scope.env[s.name];
            if (fromEnv === undefined) throw new ScriptRuntimeError(`parameter $${s.name} is required: pass --param ${s.name}=…`, s.loc);
            scope.vars.set(s.name, new Literal(fromEnv));
            break;
          }
          const v: Value = evaluate(s.expr, scope);
          scope.vars.set(s.name, v instanceof Uint8Array ? v.slice() : v);
          break;
        }
        case 'assert': {
          const f = checkAssertion(evaluate(s.left, scope), s.op, evaluate(s.right, scope), s.source, s.loc);
          if (f) throw new StepFailure(f);
          break;
        }
        case 'reset': {
          scope.atr = await this.transport.reset(s.reset);
          clearLastResponse(scope);
          for (const r of this.reporters) r.reset?.(scope.atr, s.reset, s.loc);
          break;
        }
        case 'exit':
          throw new ScriptExit();
        case 'print': {
          // Parts side by side print separated by spaces, so text and bytes mix: print "SW" sw
          const parts = s.expr.kind === 'concat' ? s.expr.parts : [s.expr];
          const text = parts.map((p) => showValue(evaluate(p, scope))).join(' ');
          for (const r of this.reporters) r.print?.(text, s.loc);
          break;
        }
        case 't0':
          this.setT0Auto(s.auto);
          break;
        case 'repeat': {
          const count = toNumber(evaluate(s.count, scope), 'repeat count', s.loc);
          if (!Number.isInteger(count) || count < 0 || count > MAX_REPEAT) {
            throw new ScriptRuntimeError(`repeat count must be 0 to ${MAX_REPEAT}, got ${count}`, s.loc);
          }
          for (let k = 0; k < count; k++) {
            if (s.counter) scope.vars.set(s.counter, k);
            await this.execute(s.body);
          }
          break;
        }
      }
    }
  }

  private async sendApdu(s: Extract<Statement, { kind: 'apdu' }>): Promise<void> {
    const scope = this.scope;
    const command = s.bytes ?? evaluateBytes(s.expr!, scope, 'APDU', s.loc);
    if (command.length < 4) throw new ScriptRuntimeError(`an APDU has at least 4 bytes (CLA INS P1 P2), got ${command.length}`, s.loc);
    if (this.t0Auto) {
      this.current = { loc: s.loc, source: s.source, comments: s.comments, sends: 0 };
      try {
        const response = await this.channel!.transmitRaw(command);
        setLastData(scope, response.data, response.sw);
      } finally {
        this.current = undefined;
      }
      for (const exp of s.expectations) {
        const f = checkExpectation(exp, scope);
        if (f) throw new StepFailure(f);
      }
    } else {
      this.accept(s, command, await this.transport.transmit(command));
    }
  }

  /** A raw-mode answer: becomes the last response, is reported, and is checked. */
  private accept(s: Extract<Statement, { kind: 'apdu' }>, command: Uint8Array, response: Uint8Array): void {
    const scope = this.scope;
    const n = response.length;
    if (n < 2) throw new TransportError('protocol', `${this.transport.name}: answer of ${n} byte(s) has no status word`);
    const sw = (response[n - 2]! << 8) | response[n - 1]!;
    setLastResponse(scope, response, sw);
    this.emitExchange(command, response, false, s.loc, s.source, s.comments);
    const expectations = s.expectations;
    for (let i = 0; i < expectations.length; i++) {
      const f = checkExpectation(expectations[i]!, scope);
      if (f) throw new StepFailure(f);
    }
  }
}

/** A run's result from its scripts' results: totals, and passed when nothing failed and it was not cut short. */
export function runResult(scripts: ScriptResult[], durationMs: number, aborted?: RunResult['aborted']): RunResult {
  const totals: RunTotals = { scripts: scripts.length, steps: 0, passed: 0, failed: 0, errors: 0, skipped: 0, commands: 0 };
  for (const s of scripts) {
    totals.commands += s.commands;
    for (const step of s.steps) {
      if (step.kind === 'step') totals.steps++;
      if (step.status === 'passed') totals.passed++;
      else if (step.status === 'failed') totals.failed++;
      else if (step.status === 'error') totals.errors++;
      else totals.skipped++;
    }
  }
  return {
    scripts,
    totals,
    passed: totals.failed === 0 && totals.errors === 0 && aborted === undefined,
    durationMs,
    ...(aborted === undefined ? {} : { aborted }),
  };
}

function skipped(file: string, step: Script['steps'][number], reason: string): StepResult {
  return {
    file,
    name: step.name,
    kind: 'step',
    loc: step.loc,
    status: 'skipped',
    commands: 0,
    durationMs: 0,
    failure: undefined,
    skipReason: reason,
  };
}
