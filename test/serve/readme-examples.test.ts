// The README's examples for HIS developers, run against `sscard serve --emulator` as printed.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import { READER_FUNCTION_NAMES } from '../../src/reader-functions/reader-function-call.js';
import { type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { RequestParser } from '../../src/serve/request-parser.js';
import { REPO } from '../support/cli-process.js';
import { httpCall, WsClient } from './serve-client.js';

interface Example {
  via: 'http' | 'ws';
  request: string;
  status?: number;
  answer: unknown;
}

/** `POST /api  {…}` or `ws /ws  {…}`, each followed by `→ [status]  {…}`, in the HIS section's code blocks. */
function readmeExamples(): Example[] {
  const readme = readFileSync(`${REPO}/README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## For HIS developers'));
  const lines = section.slice(0, section.indexOf('\n## ', 5)).split('\n');
  const examples: Example[] = [];
  lines.forEach((line, i) => {
    const request = /^(POST \/api|ws \/ws) +(\{.*\})$/.exec(line);
    const answer = /^→ +(\d{3})? *(\{.*\})$/.exec(lines[i + 1] ?? '');
    if (!request || !answer) return;
    examples.push({
      via: request[1] === 'ws /ws' ? 'ws' : 'http',
      request: request[2]!,
      ...(answer[1] === undefined ? {} : { status: Number(answer[1]) }),
      answer: JSON.parse(answer[2]!),
    });
  });
  return examples;
}

let client: WsClient | undefined;
afterEach(() => client?.close());

/** The HIS section's function table: function name → its example request (JSON text). */
function readmeFunctionTable(): Map<string, string> {
  const readme = readFileSync(`${REPO}/README.md`, 'utf8');
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `(i\w+)`[^|]* \| `(\{.*\})` \|$/gm)) rows.set(match[1]!, match[2]!.replaceAll('\\|', '|'));
  return rows;
}

describe('README: the local card service examples', () => {
  it('has a row for every reader function, whose example request passes the schema', () => {
    const table = readmeFunctionTable();
    expect([...table.keys()].sort()).toEqual([...READER_FUNCTION_NAMES].sort());
    const parser = new RequestParser();
    for (const [name, request] of table) {
      const parsed = parser.parse(request);
      expect(parsed.ok ? parsed.request.name : parsed.refusal.message, request).toBe(name);
    }
  });

  it('answer as printed', async () => {
    const examples = readmeExamples();
    expect(examples.map((e) => e.via)).toEqual(['http', 'http', 'ws', 'ws']);
    const backend = await openReaderFunctionBackend({ kind: 'emulator' });
    let server: RunningCardServer | undefined;
    try {
      server = await startCardServer({ backend, port: 0 });
      client = await WsClient.open(server.port);
      for (const example of examples) {
        if (example.via === 'http') {
          const answer = await httpCall(server.port, { body: example.request });
          expect(answer.status).toBe(example.status);
          expect(answer.json).toEqual(example.answer);
        } else {
          const id = JSON.parse(example.request).id;
          client.socket.send(example.request);
          expect(await client.waitFor((m) => m.id === id)).toEqual(example.answer);
        }
      }
    } finally {
      await server?.close();
      await backend.close();
    }
  });
});
