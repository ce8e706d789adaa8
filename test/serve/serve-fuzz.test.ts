import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import {
  INPUT_RULES,
  READER_FUNCTION_INPUTS,
  READER_FUNCTION_NAMES,
  SECRET_INPUTS,
} from '../../src/reader-functions/reader-function-call.js';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { apiCall, httpCall, WsClient } from './serve-client.js';
import { recordingBackend } from './test-backends.js';

let server: RunningCardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SECRET_MARK = 'S3CRET';

/** A value of any JSON type, including huge strings. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

/** What a PIN or key input may hold: anything, and often a string marked as a secret. */
const secretValue = fc.oneof(
  anyValue,
  fc.string({ maxLength: 40 }).map((s) => `${SECRET_MARK}${s}`),
  fc.integer({ min: 1, max: 200_000 }).map((n) => SECRET_MARK.padEnd(n, '9')),
);

/** Requests that look like the real thing with something wrong (or right) in them. */
const nearRequest = fc
  .record(
    {
      function: fc.oneof(fc.constantFrom(...READER_FUNCTION_NAMES), fc.string(), fc.jsonValue({ maxDepth: 1 })),
      id: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.jsonValue({ maxDepth: 1 })),
      iType: fc.oneof(fc.integer({ min: -5, max: 6 }), anyValue),
      pin: secretValue,
      newPin: secretValue,
      pKey: secretValue,
      pCardInfo: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((request) => JSON.stringify(request));

/** Anything a broken or hostile client sends as text. */
const textMessage = fc.oneof(
  nearRequest,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '{"function":', 'null', '[]', '{"function":"iReadCardBas","iType":1', '\u0000\u0001'),
);

function expectAnswerShape(answer: Record<string, unknown>): void {
  expect(typeof answer.function).toBe('string');
  expect(typeof answer.code).toBe('number');
  expect(typeof answer.success).toBe('boolean');
  if (answer.success) expect(answer.code).toBe(0);
  else expect(typeof answer.error).toBe('string');
  expect(JSON.stringify(answer)).not.toContain(SECRET_MARK);
}

describe('sscard serve: fuzzed requests', () => {
  it('answers 1,000 fuzzed requests (WebSocket text and binary, HTTP) with error objects, never echoing a secret, and still answers afterwards', async () => {
    const recording = recordingBackend(0);
    const log: string[] = [];
    server = await startCardServer({ backend: recording.backend, port: 0, ratePerSecond: 1e6, log: (line) => log.push(line) });
    const port = server.port;
    const client = await WsClient.open(port);
    const frames = fc.sample(fc.oneof({ weight: 4, arbitrary: textMessage }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) }), {
      numRuns: 600,
      seed: 16,
    });
    for (const frame of frames) client.socket.send(frame, { binary: typeof frame !== 'string' });
    await client.waitFor(() => client.answers().length >= frames.length, 20_000);
    expect(client.answers()).toHaveLength(frames.length);
    for (const answer of client.answers()) expectAnswerShape(answer);
    expect(client.answers().filter((a) => a.error === 'binary messages are not requests: send the JSON as a text message').length).toBe(
      frames.filter((f) => typeof f !== 'string').length,
    );

    const bodies = fc.sample(textMessage, { numRuns: 400, seed: 61 });
    for (const body of bodies) {
      const answer = await httpCall(port, { body, headers: { 'content-type': 'application/json' } });
      expect([200, 400, 413]).toContain(answer.status);
      expectAnswerShape(answer.json);
    }

    expect((await client.call({ function: 'iReadCardBas', iType: 3 }, 'good')).success).toBe(true);
    expect((await apiCall(port, { function: 'iReadCardBas', iType: 3 })).json).toMatchObject({ code: 0, success: true });
    expect(log.length).toBeGreaterThanOrEqual(1002);
    expect(log.join('\n')).not.toContain(SECRET_MARK);
    client.close();
  }, 60_000);

  it('on the emulated terminal, answers schema-valid nonsense with codes and never echoes a PIN or key', async () => {
    const backend = await openReaderFunctionBackend({ kind: 'emulator' });
    const log: string[] = [];
    try {
      server = await startCardServer({ backend, port: 0, ratePerSecond: 1e6, log: (line) => log.push(line) });
      const port = server.port;
      // Requests that pass the schema (so they reach the reader functions), with marked secrets.
      const valid = fc.sample(
        fc.constantFrom(...READER_FUNCTION_NAMES).chain((name) =>
          fc
            .record(
              Object.fromEntries(
                READER_FUNCTION_INPUTS[name].map((input) => {
                  const rule = INPUT_RULES[input];
                  const value =
                    rule.type === 'integer'
                      ? fc.integer({ min: rule.minimum, max: rule.maximum })
                      : SECRET_INPUTS.includes(input)
                        ? fc.string({ maxLength: rule.maxLength - SECRET_MARK.length }).map((v) => `${SECRET_MARK}${v}`)
                        : fc.string({ maxLength: rule.maxLength });
                  return [input, value];
                }),
              ),
              { requiredKeys: [] },
            )
            .map((inputs) => ({ function: name, ...inputs })),
        ),
        { numRuns: 300, seed: 1616 },
      );
      for (const request of valid) {
        const answer = await apiCall(port, request);
        expect(answer.status, JSON.stringify(request).slice(0, 200)).toBe(200);
        expectAnswerShape(answer.json);
      }
      expect((await apiCall(port, { function: 'iReadCardBas', iType: 3 })).json).toMatchObject({ code: 0, success: true });
      expect(log.join('\n')).not.toContain(SECRET_MARK);
    } finally {
      await server?.close();
      server = undefined;
      await backend.close();
    }
  }, 60_000);

  it('names the wrong input and rule without repeating its value', async () => {
    server = await startCardServer({ backend: recordingBackend(0).backend, port: 0 });
    const port = server.port;
    const cases: Array<[unknown, RegExp]> = [
      [{ function: 'iVerifyPIN', iType: 1, pin: `${SECRET_MARK}${'1'.repeat(40)}` }, /^pin must NOT have more than 32 characters$/],
      [{ function: 'iVerifyPIN', iType: 1, pin: 123456 }, /^pin must be string$/],
      [{ function: 'iReadCardBas', iType: 5 }, /^iType must be <= 4$/],
      [{ function: 'iReadCardBas', iType: '3' }, /^iType must be integer$/],
      [{ function: 'iReadCardBas', pin: SECRET_MARK }, /^the request must NOT have additional properties \("pin"\)$/],
      [{ iType: 1 }, /^the request must have required property 'function'$/],
      [[1, 2], /^the request must be object$/],
    ];
    for (const [request, message] of cases) {
      const answer = await apiCall(port, request);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: -14, success: false });
      expect(answer.json.error).toMatch(message);
      expect(answer.text).not.toContain(SECRET_MARK);
    }
    const unknown = await apiCall(port, { function: 'iFormatDisk' });
    expect(unknown.json).toEqual({ function: 'iFormatDisk', code: -13, success: false, error: 'unknown function "iFormatDisk"' });
    expect((await httpCall(port, { body: '{"function":' })).json).toEqual({
      function: '',
      code: -14,
      success: false,
      error: 'the request is not JSON',
    });
  });
});
