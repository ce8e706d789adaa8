import { describe, expect, it } from 'vitest';
import { INPUT_RULES, READER_FUNCTION_INPUTS, READER_FUNCTION_NAMES } from '../../src/reader-functions/reader-function-call.js';
import { RequestParser } from '../../src/serve/request-parser.js';

/** A valid value of each input, at its longest where it is a string. */
const LONGEST: Record<string, unknown> = Object.fromEntries(
  Object.entries(INPUT_RULES).map(([name, rule]) => [name, rule.type === 'integer' ? rule.maximum : '9'.repeat(rule.maxLength)]),
);

describe('the request schema, generated from READER_FUNCTION_INPUTS', () => {
  const parser = new RequestParser();

  it('takes every function with all its inputs at their bounds, and hands the inputs on without function or id', () => {
    for (const name of READER_FUNCTION_NAMES) {
      const inputs = Object.fromEntries(READER_FUNCTION_INPUTS[name].map((input) => [input, LONGEST[input]]));
      const parsed = parser.parse(JSON.stringify({ function: name, id: 7, ...inputs }));
      expect(parsed, name).toEqual({ ok: true, request: { name, inputs, id: 7 } });
    }
  });

  it('refuses, for every function, each input it does not take and each input one past its bound', () => {
    const allInputs = Object.keys(INPUT_RULES);
    for (const name of READER_FUNCTION_NAMES) {
      const own = READER_FUNCTION_INPUTS[name] as readonly string[];
      for (const input of allInputs) {
        const rule = INPUT_RULES[input as keyof typeof INPUT_RULES];
        const over = rule.type === 'integer' ? rule.maximum + 1 : '9'.repeat(rule.maxLength + 1);
        const value = own.includes(input) ? over : LONGEST[input];
        const parsed = parser.parse(JSON.stringify({ function: name, [input]: value }));
        expect(parsed.ok, `${name} ${input}`).toBe(false);
        if (!parsed.ok) expect(parsed.refusal.readerCode).toBe(-14);
      }
    }
  });

  it('takes an input set to null as left out, as pages send unset fields', () => {
    expect(parser.parse('{"function":"iVerifyPIN","iType":1,"pin":null,"id":null}')).toEqual({
      ok: true,
      request: { name: 'iVerifyPIN', inputs: { iType: 1 } },
    });
  });

  it('echoes an id of the right shape even when it refuses the request, and no other', () => {
    const refused = (text: string) => {
      const parsed = parser.parse(text);
      if (parsed.ok) throw new Error('accepted');
      return parsed.label;
    };
    expect(refused('{"function":"iNothing","id":"q-1"}')).toEqual({ function: 'iNothing', id: 'q-1' });
    expect(refused('{"function":"iReadCardBas","iType":9,"id":12}')).toEqual({ function: 'iReadCardBas', id: 12 });
    expect(refused(`{"function":"iReadCardBas","iType":9,"id":"${'x'.repeat(65)}"}`)).toEqual({ function: 'iReadCardBas' });
    expect(refused('{"function":"iReadCardBas\\u0000","id":1.5}')).toEqual({ function: 'iReadCardBas?' });
  });
});
