import type { Script } from './ast.js';
import type { SourceLocation } from './script-errors.js';

/** One command and its answer as it went over the wire. The reporter masks secrets when it shows it. */
export interface ExchangeEvent {
  command: Uint8Array;
  /** The whole R-APDU: data then SW1 SW2. */
  response: Uint8Array;
  sw: number;
  /** True for exchanges the runner made on its own in `t0 auto` mode (GET RESPONSE, 6Cxx re-send). */
  automatic: boolean;
  loc: SourceLocation;
  /** The command as written when all its data is `$variables`: a transcript writes it instead of masked bytes. */
  source: string | undefined;
  comments: string[] | undefined;
}

export interface FailureInfo {
  kind: 'expectation' | 'error';
  loc: SourceLocation | undefined;
  /** The expectation or statement as written, e.g. `expect sw 9000`. */
  source: string;
  /** One line for JUnit's message attribute and the summary. */
  message: string;
  /** Expected / actual / where they differ, one fact per line. */
  details: string[];
}

export type StepStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface StepResult {
  file: string;
  name: string;
  kind: 'step' | 'setup' | 'teardown';
  loc: SourceLocation;
  status: StepStatus;
  commands: number;
  durationMs: number;
  failure: FailureInfo | undefined;
  /** Why a step was skipped (filter, --bail, setup failed, exit). */
  skipReason?: string;
}

export interface ScriptResult {
  file: string;
  steps: StepResult[];
  commands: number;
  durationMs: number;
}

export interface RunTotals {
  scripts: number;
  steps: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  commands: number;
}

export interface RunResult {
  scripts: ScriptResult[];
  totals: RunTotals;
  /** True when every expectation held, no statement failed and the run was not cut short. */
  passed: boolean;
  durationMs: number;
  /** Set when the run stopped early (the reader was lost): the scripts above are what ran. */
  aborted?: { code: string; message: string };
}

/** What a reporter hears while a run goes on; every method is optional. */
export interface ScriptReporter {
  runStart?(scripts: Script[]): void;
  scriptStart?(script: Script): void;
  sectionStart?(kind: 'setup' | 'step' | 'teardown', name: string, loc: SourceLocation, comments: string[]): void;
  exchange?(event: ExchangeEvent): void;
  reset?(atr: Uint8Array, kind: 'warm' | 'cold', loc: SourceLocation): void;
  print?(text: string, loc: SourceLocation): void;
  stepEnd?(result: StepResult): void;
  scriptEnd?(result: ScriptResult): void;
  runEnd?(result: RunResult): void;
}
