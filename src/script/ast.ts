import type { SourceLocation } from './script-errors.js';
import type { Value } from './value.js';

/** Expressions: juxtaposition concatenates (`00 84 $rand`), as in an APDU line. */
export type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'variable'; name: string; loc: SourceLocation }
  | { kind: 'builtin'; name: BuiltinName; loc: SourceLocation }
  | { kind: 'call'; name: string; args: Expr[]; loc: SourceLocation }
  | { kind: 'slice'; target: Expr; start: number | undefined; end: number | undefined; single: boolean; loc: SourceLocation }
  | { kind: 'concat'; parts: Expr[]; loc: SourceLocation }
  | { kind: 'masked'; count: number; loc: SourceLocation };

/** Names that read the session: the last response's data and status word, the ATR. */
export type BuiltinName = 'resp' | 'sw' | 'sw1' | 'sw2' | 'atr';
export const BUILTIN_NAMES: ReadonlySet<string> = new Set<BuiltinName>(['resp', 'sw', 'sw1', 'sw2', 'atr']);

/** One item of a byte pattern: fixed bytes with a per-bit mask, a computed value, or "anything after". */
export type PatternItem = { kind: 'bytes'; value: Uint8Array; mask: Uint8Array } | { kind: 'expr'; expr: Expr } | { kind: 'rest' };

export interface BytePattern {
  items: PatternItem[];
  /** As written, for messages. */
  source: string;
}

/** A status-word set: each entry matches when (sw & mask) === value. */
export interface SwPattern {
  alternatives: Array<{ value: number; mask: number }>;
  source: string;
}

export type Expectation =
  | { kind: 'sw'; pattern: SwPattern; loc: SourceLocation; source: string }
  | { kind: 'data'; mode: 'exact' | 'prefix'; pattern: BytePattern; loc: SourceLocation; source: string }
  | { kind: 'len'; length: number; loc: SourceLocation; source: string }
  /** `=> [data] SW` and transcript `<` lines: the status word, and the data exactly when given. */
  | { kind: 'response'; data: BytePattern | undefined; sw: SwPattern; loc: SourceLocation; source: string }
  | { kind: 'tlv'; path: string[]; pattern: BytePattern | undefined; loc: SourceLocation; source: string };

interface StatementBase {
  loc: SourceLocation;
  /** Comment lines just before the statement and a comment at its end, kept for reports. */
  comments?: string[];
}

export type Statement =
  | (StatementBase & {
      kind: 'apdu';
      /** Precomputed when the line is plain hex. */
      bytes: Uint8Array | undefined;
      expr: Expr | undefined;
      /**
       * The command as written when everything after its header is `$variables`: a transcript writes
       * it for a command carrying a secret (the secret stays out; a replay takes it from --param).
       */
      source: string | undefined;
      expectations: Expectation[];
    })
  | (StatementBase & { kind: 'expect'; expectation: Expectation })
  | (StatementBase & { kind: 'assign'; name: string; expr: Expr; onlyIfUnset: boolean })
  | (StatementBase & { kind: 'assert'; left: Expr; op: '==' | '!='; right: Expr; source: string })
  | (StatementBase & { kind: 'reset'; reset: 'warm' | 'cold' })
  | (StatementBase & { kind: 'exit' })
  | (StatementBase & { kind: 'print'; expr: Expr })
  | (StatementBase & { kind: 't0'; auto: boolean })
  | (StatementBase & { kind: 'repeat'; count: Expr; counter: string | undefined; body: Statement[] });

/** A named test case: `step "name"` up to the next step, setup or teardown. */
export interface Step {
  name: string;
  loc: SourceLocation;
  comments: string[];
  body: Statement[];
  /** True for the step made from a script without any `step`: named after the file. */
  implicit: boolean;
}

export interface Script {
  file: string;
  /** Statements before the first section header (variables, `t0 auto`); run before setup. */
  prelude: Statement[];
  setup: Statement[];
  steps: Step[];
  teardown: Statement[];
  /** Files pulled in with `include`, for messages. */
  includes: string[];
  /** Commands sent when every repeat runs to its count (for progress bars). */
  estimatedCommands: number;
}
