import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type CardServerOptions, type RunningCardServer, startCardServer } from '../../src/serve/card-server.js';
import { apiCall, httpCall, WsClient } from './serve-client.js';
import { recordingBackend } from './test-backends.js';

let server: RunningCardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Partial<CardServerOptions> = {}) {
  const recording = recordingBackend(1);
  const log: string[] = [];
  server = await startCardServer({ backend: recording.backend, port: 0, log: (line) => log.push(line), ...options });
  return { port: server.port, recording, log };
}

const READ = { function: 'iReadCardBas', iType: 1 };
const TOKEN = 'c0ffee00c0ffee00c0ffee00';

async function upgradeStatus(port: number, options: Parameters<typeof WsClient.open>[1]): Promise<string> {
  try {
    (await WsClient.open(port, options)).close();
    return 'open';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('sscard serve: who may call', () => {
  it('refuses a page of a foreign origin with 403 over HTTP and at the WebSocket upgrade', async () => {
    const { port, recording, log } = await serve();
    const answer = await apiCall(port, READ, { origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
    expect(log).toEqual([`refused 403 POST /api Host=127.0.0.1:${port} Origin=https://evil.example`]);
    expect(answer.json).toEqual({ success: false, error: expect.stringMatching(/--allow-origin/) });
    expect(await upgradeStatus(port, { origin: 'https://evil.example' })).toBe('HTTP 403');
    expect(await upgradeStatus(port, { origin: 'null' })).toBe('HTTP 403');
    expect(recording.log).toEqual([]);
  });

  it("lets the service's own pages and listed origins in, with CORS for the listed ones only", async () => {
    const { port } = await serve({ allowOrigins: ['https://his.example:8443'] });
    const own = await apiCall(port, READ, { origin: `http://localhost:${port}` });
    expect(own.json.code).toBe(0);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    const listed = await apiCall(port, READ, { origin: 'https://his.example:8443' });
    expect(listed.json.code).toBe(0);
    expect(listed.headers['access-control-allow-origin']).toBe('https://his.example:8443');
    const preflight = await httpCall(port, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://his.example:8443',
        'access-control-request-method': 'POST',
        'access-control-request-private-network': 'true',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-private-network']).toBe('true');
    expect(await upgradeStatus(port, { origin: 'https://his.example:8443' })).toBe('open');
  });

  it('refuses a request whose Host is not the service (DNS rebinding) with 421, on HTTP and WebSocket', async () => {
    const { port, recording } = await serve();
    const answer = await apiCall(port, READ, { host: 'evil.example' });
    expect(answer.status).toBe(421);
    expect((await httpCall(port, { method: 'GET', path: '/readers', headers: { host: `evil.example:${port}` } })).status).toBe(421);
    expect(await upgradeStatus(port, { headers: { host: `evil.example:${port}` } })).toBe('HTTP 421');
    expect((await apiCall(port, READ, { host: `localhost:${port}` })).json.code).toBe(0);
    expect(recording.log).toHaveLength(2);
  });

  it('needs the bearer token: 401 without it or with a wrong one, on HTTP and WebSocket', async () => {
    const { port, log } = await serve({ token: TOKEN });
    const missing = await apiCall(port, READ);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect((await apiCall(port, READ, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await httpCall(port, { method: 'GET', path: '/readers' })).status).toBe(401);
    expect((await apiCall(port, READ, { authorization: `Bearer ${TOKEN}` })).json.code).toBe(0);
    expect(await upgradeStatus(port, {})).toBe('HTTP 401');
    expect(await upgradeStatus(port, { protocols: ['sscard', 'bearer.wrongwrongwrongwrong'] })).toBe('HTTP 401');
    const client = await WsClient.open(port, { protocols: ['sscard', `bearer.${TOKEN}`] });
    expect(client.socket.protocol).toBe('sscard');
    expect((await client.call(READ, 1)).code).toBe(0);
    client.close();
    expect(log.filter((line) => line.startsWith('refused 401'))).toHaveLength(5);
    expect(log.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a token too short or with characters a subprotocol cannot carry', async () => {
    await expect(startCardServer({ backend: recordingBackend().backend, port: 0, token: 'short' })).rejects.toBeInstanceOf(InputError);
    await expect(startCardServer({ backend: recordingBackend().backend, port: 0, token: 'has space in it 0123456' })).rejects.toThrow(
      /letters, digits/,
    );
  });

  it('binds loopback only: a non-loopback --host is refused', async () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) {
      await expect(startCardServer({ backend: recordingBackend().backend, port: 0, host })).rejects.toThrow(/loopback/);
    }
  });

  it('says so when the port is taken, as an input error', async () => {
    const { port } = await serve();
    await expect(startCardServer({ backend: recordingBackend().backend, port })).rejects.toThrow(
      new RegExp(`port ${port} on 127.0.0.1 is in use`),
    );
  });

  it('sets the security headers on every answer', async () => {
    const { port } = await serve();
    const answer = await apiCall(port, READ);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});

describe('sscard serve: limits', () => {
  it('refuses a body over the cap with 413 and an error object', async () => {
    const { port } = await serve({ maxRequestBytes: 1024 });
    const answer = await apiCall(port, { ...READ, pad: 'x'.repeat(2000) });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: -14, success: false, error: expect.stringMatching(/larger than 1024 bytes/) });
  });

  it('refuses requests over the per-connection rate, and keeps the WebSocket open', async () => {
    const { port, recording } = await serve({ ratePerSecond: 2 });
    const client = await WsClient.open(port);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => client.call(READ, i)));
    const limited = answers.filter((a) => a.code === -14);
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(limited[0].error).toMatch(/too many requests/);
    expect(recording.log.length).toBeLessThanOrEqual(8);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await client.call(READ, 'later')).code).toBe(0);
    client.close();
  });

  it('closes a WebSocket that sends a frame far over the cap, answers a merely large one', async () => {
    const { port } = await serve({ maxRequestBytes: 1024 });
    const client = await WsClient.open(port);
    client.socket.send(JSON.stringify({ ...READ, id: 'big', pad: 'x'.repeat(2000) }));
    expect(await client.waitFor((m) => m.code === -14)).toMatchObject({ success: false, error: expect.stringMatching(/larger than/) });
    const closed = new Promise<number>((resolve) => client.socket.once('close', resolve));
    client.socket.send('x'.repeat(1024 * 17));
    expect(await closed).toBe(1009);
  });
});

describe('sscard serve: static files', () => {
  function site(): string {
    const root = mkdtempSync(join(tmpdir(), 'sscard-static-'));
    mkdirSync(join(root, 'www', 'js'), { recursive: true });
    writeFileSync(join(root, 'www', 'index.html'), '<!doctype html><title>desk</title>');
    writeFileSync(join(root, 'www', 'js', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'www', '.env'), 'SECRET=1');
    writeFileSync(join(root, 'outside.txt'), 'not served');
    symlinkSync(join(root, 'outside.txt'), join(root, 'www', 'link.txt'));
    return join(root, 'www');
  }

  it('serves files with their content types, index.html for folders, and nothing else', async () => {
    const { port } = await serve({ staticDir: site() });
    const get = (path: string, method = 'GET') => httpCall(port, { method, path });
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<title>desk</title>');
    expect(index.headers['content-security-policy']).toContain(`ws://127.0.0.1:${port}`);
    expect((await get('/js/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/js/')).status).toBe(404);
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/js/..%2f..%2foutside.txt',
      '/link.txt',
      '/.env',
      '/nothing.html',
      '/%E0%A4%A',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get('/', 'DELETE')).status).toBe(405);
    expect((await get('/', 'HEAD')).text).toBe('');
    expect((await httpCall(port, { method: 'GET', path: '/', headers: { host: 'evil.example' } })).status).toBe(421);
  });

  it('refuses a folder that is not there, as an input error', async () => {
    await expect(startCardServer({ backend: recordingBackend().backend, port: 0, staticDir: '/nonexistent/www' })).rejects.toBeInstanceOf(
      InputError,
    );
  });

  it('has no files at all without a folder', async () => {
    const { port } = await serve();
    expect((await httpCall(port, { method: 'GET', path: '/' })).status).toBe(404);
  });
});
