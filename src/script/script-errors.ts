import { SscardError } from '../errors.js';

/** Where something is in a script: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** A script could not be parsed: points at file:line:column and says what was expected there. */
export class ScriptSyntaxError extends SscardError {
  readonly location: SourceLocation;
  readonly expected: string;
  constructor(location: SourceLocation, expected: string, found?: string) {
    super('EINPUT', `${formatLocation(location)}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`);
    this.location = location;
    this.expected = expected;
  }
}

/**
 * A script statement could not be carried out (an unknown variable, a slice past the end, a
 * function given the wrong kind of value). It fails the step it is in, like a failed expectation.
 */
export class ScriptRuntimeError extends SscardError {
  readonly location: SourceLocation | undefined;
  readonly detail: string;
  constructor(detail: string, location?: SourceLocation) {
    super('ECHECK', location ? `${formatLocation(location)}: ${detail}` : detail);
    this.location = location;
    this.detail = detail;
  }
}

/**
 * A value in a script cannot be what it is used as (a number too large for its field, `u8(256)`):
 * the script is wrong, not the card, so the run stops with a usage error at file:line:column instead
 * of sending a silently wrapped value.
 */
export class ScriptValueError extends SscardError {
  readonly location: SourceLocation;
  constructor(detail: string, location: SourceLocation) {
    super('EINPUT', `${formatLocation(location)}: ${detail}`);
    this.location = location;
  }
}
