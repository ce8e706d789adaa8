import { swHex } from '../apdu/response-apdu.js';
import { decodeStatusWord } from '../apdu/status-words.js';
import { bytesEqual } from '../bytes/bytes.js';
import { parseTlv, type Tlv, tlvAtPath } from '../bytes/tlv.js';
import { SscardError } from '../errors.js';
import type { BytePattern, Expectation, SwPattern } from './ast.js';
import { type EvaluationScope, evaluateBytes, responseData } from './evaluator.js';
import { comparePattern, isStaticPattern, type ResolvedPattern, resolvePattern, showBytes, showPattern, swMatches } from './pattern.js';
import type { FailureInfo } from './reporter.js';
import { formatLocation } from './script-errors.js';
import { showValue, toBytes, toNumber, type Value } from './value.js';

// Static patterns are resolved once and kept on the pattern: a 10,000-line script checks without allocating.
function resolved(pattern: BytePattern & { resolved?: ResolvedPattern }, scope: EvaluationScope, loc: Expectation['loc']): ResolvedPattern {
  if (pattern.resolved) return pattern.resolved;
  const r = resolvePattern(pattern, (e) => evaluateBytes(e, scope, 'expected bytes', loc));
  if (isStaticPattern(pattern)) pattern.resolved = r;
  return r;
}

/** Checks one expectation against the last response; undefined when it holds. */
export function checkExpectation(exp: Expectation, scope: EvaluationScope): FailureInfo | undefined {
  const sw = scope.lastSw!;
  switch (exp.kind) {
    case 'sw':
      return swMatches(exp.pattern, sw) ? undefined : swFailure(exp, exp.pattern, sw, []);
    case 'response': {
      // A wrong SW usually comes without data: report the SW alone then.
      if (!swMatches(exp.sw, sw)) return swFailure(exp, exp.sw, sw, []);
      if (!exp.data) return undefined;
      const p = resolved(exp.data, scope, exp.loc);
      const diff = comparePattern(p, dataBytes(scope), false, dataLength(scope));
      if (!diff) return undefined;
      const details = [`expected data ${showPattern(p)}`, `actual data   ${showBytes(responseData(scope))}`, diff];
      return failure(exp, `response data differs: ${diff}`, details);
    }
    case 'data': {
      const p = resolved(exp.pattern, scope, exp.loc);
      const diff = comparePattern(p, dataBytes(scope), exp.mode === 'prefix', dataLength(scope));
      if (!diff) return undefined;
      const data = responseData(scope);
      const label = exp.mode === 'prefix' ? 'expected prefix' : 'expected data  ';
      return failure(exp, `response data differs: ${diff}`, [
        `${label} ${showPattern(p)}`,
        `actual data     ${showBytes(data)}`,
        diff,
        swLine(sw),
      ]);
    }
    case 'len': {
      const data = responseData(scope);
      return data.length === exp.length
        ? undefined
        : failure(exp, `expected ${exp.length} byte(s) of data, got ${data.length}`, [`actual data ${showBytes(data)}`, swLine(sw)]);
    }
    case 'tlv': {
      const data = responseData(scope);
      let objects: Tlv[];
      try {
        objects = parseTlv(data);
      } catch (error) {
        const why = error instanceof SscardError ? error.message : String(error);
        return failure(exp, `response is not BER-TLV: ${why}`, [`actual data ${showBytes(data)}`, swLine(sw)]);
      }
      const hit = tlvAtPath(objects, exp.path);
      if (!hit) {
        return failure(exp, `no TLV object at ${exp.path.join('/')}`, [`found: ${outline(objects)}`, swLine(sw)]);
      }
      if (!exp.pattern) return undefined;
      const p = resolved(exp.pattern, scope, exp.loc);
      const diff = comparePattern(p, hit.value, false);
      if (!diff) return undefined;
      return failure(exp, `${exp.path.join('/')} differs: ${diff}`, [
        `expected ${exp.path.join('/')} = ${showPattern(p)}`,
        `actual   ${exp.path.join('/')} = ${showBytes(hit.value)}`,
        diff,
      ]);
    }
  }
}

// The response data without making a view (and without a tuple per check): the whole R-APDU,
// and how many of its bytes are data.
function dataBytes(scope: EvaluationScope): Uint8Array {
  const r = scope.lastResponse;
  return r && !scope.lastDataView ? r : responseData(scope);
}

function dataLength(scope: EvaluationScope): number {
  const r = scope.lastResponse;
  return r && !scope.lastDataView ? r.length - 2 : responseData(scope).length;
}

/** `assert a == b`: numbers compare as numbers, text as text, anything else as bytes. */
export function checkAssertion(
  left: Value,
  op: '==' | '!=',
  right: Value,
  source: string,
  loc: Expectation['loc'],
): FailureInfo | undefined {
  let equal: boolean;
  if (typeof left === 'number' || typeof right === 'number')
    equal = toNumber(left, 'left side', loc) === toNumber(right, 'right side', loc);
  else if (typeof left === 'string' && typeof right === 'string') equal = left === right;
  else equal = bytesEqual(toBytes(left, 'left side', loc), toBytes(right, 'right side', loc));
  if (equal === (op === '==')) return undefined;
  const shown = (v: Value): string => (v instanceof Uint8Array ? showBytes(v) : showValue(v));
  return {
    kind: 'expectation',
    loc,
    source: `assert ${source}`,
    message: op === '==' ? `values differ: ${shown(left)} != ${shown(right)}` : `values are equal: ${shown(left)}`,
    details: [`left  ${shown(left)}`, `right ${shown(right)}`],
  };
}

function swFailure(exp: Expectation, pattern: SwPattern, sw: number, before: string[]): FailureInfo {
  const expected = pattern.alternatives.map((a) => (a.mask === 0xffff ? `${swHex(a.value)} (${decodeStatusWord(a.value).meaning})` : null));
  const expectedText = pattern.alternatives.length === 1 && expected[0] ? expected[0] : pattern.source;
  const actual = `${swHex(sw)} (${decodeStatusWord(sw).meaning})`;
  return failure(exp, `expected SW ${expectedText}, got ${actual}`, before);
}

function swLine(sw: number): string {
  return `SW ${swHex(sw)} (${decodeStatusWord(sw).meaning})`;
}

function failure(exp: Expectation, message: string, details: string[]): FailureInfo {
  return { kind: 'expectation', loc: exp.loc, source: exp.source, message, details };
}

function outline(objects: Tlv[]): string {
  const walk = (list: Tlv[]): string => list.map((o) => (o.children?.length ? `${o.tagHex}(${walk(o.children)})` : o.tagHex)).join(' ');
  return walk(objects) || '(nothing)';
}

export function describeFailure(f: FailureInfo): string {
  return `${f.loc ? `${formatLocation(f.loc)}: ` : ''}${f.source}: ${f.message}`;
}
