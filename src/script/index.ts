// The APDU script language: parse scripts, run them on any CardTransport, report the results.
export type * from './ast.js';
export { type FunctionContext, functionNames, registerScriptFunctions, type ScriptFunction } from './functions.js';
export { MAX_REPEAT, type ParseOptions, parseScript } from './parser.js';
export type { ExchangeEvent, FailureInfo, RunResult, RunTotals, ScriptReporter, ScriptResult, StepResult, StepStatus } from './reporter.js';
export { JsonReporter } from './reporters/json-reporter.js';
export { JunitReporter } from './reporters/junit-reporter.js';
export { TextReporter, type TextReporterOptions } from './reporters/text-reporter.js';
export { type TranscriptOptions, TranscriptRecorder } from './reporters/transcript-recorder.js';
export { type RunOptions, runScripts } from './runner.js';
export { formatLocation, ScriptRuntimeError, ScriptSyntaxError, type SourceLocation } from './script-errors.js';
export { Literal, type Value } from './value.js';
