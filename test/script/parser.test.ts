// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are scripts, whose ${…} is not a JS template
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes/hex.js';
import type { Statement } from '../../src/script/ast.js';
import { parseScript } from '../../src/script/parser.js';
import { ScriptSyntaxError } from '../../src/script/script-errors.js';

function syntaxError(source: string, files: Record<string, string> = {}): ScriptSyntaxError {
  try {
    parseScript(source, 't.script', { readInclude: (p) => files[p.split('/').pop()!] ?? missing(p) });
  } catch (error) {
    if (error instanceof ScriptSyntaxError) return error;
    throw error;
  }
  throw new Error('no syntax error');
}

function missing(p: string): never {
  throw new Error(`no ${p}`);
}

function apdus(statements: Statement[]): string[] {
  return statements.filter((s) => s.kind === 'apdu').map((s) => (s.kind === 'apdu' && s.bytes ? toHex(s.bytes) : '?'));
}

describe('scriptor lines', () => {
  it('reads spaced, unspaced, lowercase and continued hex lines and keeps comments', () => {
    const s = parseScript('# head\n00 A4 04 00 02 3F00\n00b0000004 # tail\n00 B2 01 \\\n  2C 00\nreset\nexit\n', 'a.script');
    const body = s.steps[0]!.body;
    expect(apdus(body)).toEqual(['00A40400023F00', '00B0000004', '00B2012C00']);
    expect(body[0]!.comments).toEqual(['head']);
    expect(body[1]!.comments).toEqual(['tail']);
    expect(body.map((b) => b.kind)).toEqual(['apdu', 'apdu', 'apdu', 'reset', 'exit']);
    expect(s.steps[0]!.implicit).toBe(true);
  });

  it('treats scriptor and cardpeek transcripts as commands with exact expectations', () => {
    const s = parseScript('> 00 A4 00 00\n< 6F 01 00 90 00 : Normal processing.\nC: 00B0000001\nR: 01 9000\n', 't');
    const kinds = s.steps[0]!.body.map((b) => (b.kind === 'expect' ? `expect ${b.expectation.kind}` : b.kind));
    expect(kinds).toEqual(['apdu', 'expect response', 'apdu', 'expect response']);
  });
});

describe('syntax errors point at file:line:column with what was expected', () => {
  it('a word in an APDU line', () => {
    const e = syntaxError('00 A4 04 00\n00 A4 zz 00\n');
    expect(e.message).toBe("t.script:2:7: expected hex bytes, $variable or ${expression} (names need a $ in an APDU line), found 'zz'");
  });
  it('an odd number of hex digits', () => {
    expect(syntaxError('00A40\n').message).toMatch(/^t\.script:1:1: expected an APDU of whole bytes/);
  });
  it('a bad status word', () => {
    expect(syntaxError('00A40000\nexpect sw 90\n').message).toBe(
      "t.script:2:11: expected a status word of 4 hex digits (X for any digit), like 9000 or 61XX, found '90'",
    );
  });
  it('an unknown expect kind', () => {
    expect(syntaxError('expect body 00\n').message).toBe("t.script:1:8: expected sw, data, len or tlv after expect, found 'body'");
  });
  it('a repeat without end, and an end without repeat', () => {
    expect(syntaxError('repeat 3\n00A40000\n').message).toBe('t.script:3:1: expected end to close the repeat at line 1, found end of file');
    expect(syntaxError('end\n').message).toMatch(/^t\.script:1:1: expected a repeat before this end/);
  });
  it('a repeat count over the bound', () => {
    expect(syntaxError('repeat 1000001\nend\n').message).toMatch(/^t\.script:1:8: expected a repeat count from 0 to 1000000/);
  });
  it('an unknown function lists the known ones', () => {
    expect(syntaxError('00A40000 ${nope(1)}\n').message).toMatch(/^t\.script:1:12: expected a function name \(.*amount.*\), found 'nope'/);
  });
  it('an unclosed ${ and an unclosed string', () => {
    expect(syntaxError('00A40000 ${len(01)\n').message).toMatch(/^t\.script:1:19: expected \} to close \$\{, found end of line/);
    expect(syntaxError('step "abc\n').message).toMatch(/^t\.script:1:10: expected a closing "/);
  });
  it('an include loop names the chain, a missing include names the file', () => {
    const e = syntaxError('include a.inc\n', { 'a.inc': 'include b.inc\n', 'b.inc': '00A40000\ninclude a.inc\n' });
    expect(e.message).toMatch(/^b\.inc:2:9: expected an include that does not loop \(t\.script → a\.inc → b\.inc → a\.inc\)/);
    expect(syntaxError('include nope.inc\n').message).toBe('t.script:1:9: expected a readable file to include, found nope.inc (not found)');
  });
  it('a step inside a repeat', () => {
    expect(syntaxError('repeat 2\nstep "x"\nend\n').message).toMatch(
      /^t\.script:2:1: expected end to close the repeat at line 1 before step/,
    );
  });
  it('a pattern with * in the middle', () => {
    expect(syntaxError('00A40000 => 01 * 02 9000\n').message).toMatch(/^t\.script:1:17: expected nothing after \*/);
  });
});

describe('structure', () => {
  it('splits prelude, setup, steps and teardown and estimates commands through repeats', () => {
    const s = parseScript(
      'param $pin = 123456\nsetup\n00A40000\nstep "one"\nrepeat 10\nrepeat 5\n00B00000\nend\nend\nstep two words\n00B00001\nteardown\nreset\n',
      't',
    );
    expect(s.prelude.map((x) => x.kind)).toEqual(['assign']);
    expect(s.setup.map((x) => x.kind)).toEqual(['apdu']);
    expect(s.steps.map((x) => x.name)).toEqual(['one', 'two words']);
    expect(s.teardown.map((x) => x.kind)).toEqual(['reset']);
    expect(s.estimatedCommands).toBe(1 + 50 + 1);
  });

  it('inlines includes with their own file names in locations', () => {
    const s = parseScript('include lib/sel.inc\nstep "x"\n00B00000\n', 'dir/t.script', { readInclude: () => '\n00A40000\n' });
    expect(s.prelude[0]!.loc).toEqual({ file: 'dir/lib/sel.inc', line: 2, column: 1 });
  });
});
