import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardBasFields } from '../reader-functions/profile-facts.js';
import { REPO } from '../support/cli-process.js';

/**
 * The front-desk page of `sscard serve --emulator`, driven in Debian's headless Chromium as a
 * hospital clerk would use it. Locally without Chromium it skips, loudly; in CI it must run
 * (`.ci/run` installs Chromium through scripts/browser-up.sh).
 */
const CHROMIUM = '/usr/bin/chromium';
const PIN = '123456';

function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const problem = `${CHROMIUM} is missing (run scripts/browser-up.sh)`;
  if (process.env.CI === 'true') throw new Error(`front-desk.browser.test.ts: ${problem}; in CI the browser test must run`);
  const bar = '!'.repeat(100);
  process.stderr.write(`\n${bar}\n!! SKIPPING front-desk.browser.test.ts: ${problem}\n${bar}\n\n`);
  return false;
}

/** Starts `sscard serve --emulator` on a free port and resolves with the address it prints. */
function startService(state: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/sscard.js'), 'serve', '--emulator', '--state', state, '--port', '0'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sscard serve printed no address: ${output}`)), 20_000);
    const look = (text: string) => {
      output += text;
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `${match[0]}/` });
      }
    };
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', look);
    child.once('exit', (code) => reject(new Error(`sscard serve exited ${code}: ${output}`)));
  });
}

/** A page of another site (another origin) that tries to use the service. */
function startForeignSite(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>foreign</title><p>another site</p>');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })),
  );
}

const enabled = browserTestsEnabled();

describe.runIf(enabled)('the front-desk page in a real browser', () => {
  let directory: string;
  let service: { child: ChildProcess; url: string };
  let foreign: { server: Server; url: string };
  let browser: Browser;
  let page: Page;
  let expectedName: string;

  beforeAll(async () => {
    // What the card's profile holds: the page must show the same.
    expectedName = cardBasFields('default').name;
    directory = mkdtempSync(join(tmpdir(), 'sscard-front-desk-'));
    service = await startService(join(directory, 'card.state'));
    foreign = await startForeignSite();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    await page.goto(service.url);
    await page.locator('#service', { hasText: 'service connected' }).waitFor({ timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    foreign?.server.close();
    if (service) {
      const exited = new Promise((resolve) => service.child.once('exit', resolve));
      service.child.kill('SIGTERM');
      await exited;
    }
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('reads the card: the cardholder name appears', async () => {
    await page.click('#read-card');
    await expect.poll(() => page.textContent('#holder-name'), { timeout: 10_000 }).toBe(expectedName);
  });

  it('a wrong PIN shows the tries left, the right one verifies', async () => {
    await page.fill('#pin', '000000');
    await page.click('#verify-pin');
    await expect.poll(() => page.textContent('#pin-message'), { timeout: 10_000 }).toMatch(/Wrong PIN: 5 tries left/);
    await page.fill('#pin', PIN);
    await page.click('#verify-pin');
    await expect.poll(() => page.textContent('#pin-message'), { timeout: 10_000 }).toBe('PIN verified');
  });

  it('a payment, confirmed in the dialog, shows the new balance', async () => {
    await page.click('#read-balance');
    await expect.poll(() => page.textContent('#balance'), { timeout: 10_000 }).toMatch(/yuan$/);
    const before = Number.parseFloat((await page.textContent('#balance')) ?? '');
    await page.fill('#amount', '12.34');
    await page.click('#pay');
    await page.click('#confirm-yes');
    await expect.poll(() => page.textContent('#pay-message'), { timeout: 10_000 }).toMatch(/^Paid 12\.34 yuan \(TAC [0-9A-F]{8}\)$/);
    await expect.poll(() => page.textContent('#balance'), { timeout: 10_000 }).toBe(`${(before - 12.34).toFixed(2)} yuan`);
  });

  it('shows the card being pulled out, as the service pushes it', async () => {
    const pulled = await fetch(new URL('/emulator/card', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ present: false }),
    });
    expect(pulled.status).toBe(200);
    await expect.poll(() => page.textContent('#events'), { timeout: 10_000 }).toMatch(/card-removed/);
    await expect.poll(() => page.isHidden('#cardholder'), { timeout: 10_000 }).toBe(true);
  });

  it('two tabs reading at once are both answered', async () => {
    await fetch(new URL('/emulator/card', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ present: true }),
    });
    const tabs = [await browser.newPage(), await browser.newPage()];
    for (const tab of tabs) {
      await tab.goto(service.url);
      await tab.locator('#service', { hasText: 'service connected' }).waitFor({ timeout: 10_000 });
    }
    await Promise.all(tabs.map((tab) => tab.click('#read-card')));
    for (const tab of tabs) {
      await expect.poll(() => tab.textContent('#holder-name'), { timeout: 10_000 }).toBe(expectedName);
      await tab.close();
    }
  });

  it('refuses a page of a foreign origin: its request and its WebSocket fail', async () => {
    const other = await browser.newPage();
    await other.goto(foreign.url);
    const outcome = await other.evaluate(async (serviceUrl) => {
      const api = await fetch(new URL('/api', serviceUrl), {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ function: 'iReadCardBas', iType: 3 }),
      }).then(
        (response) => `status ${response.status}`,
        () => 'refused',
      );
      const socket = await new Promise<string>((resolve) => {
        const ws = new WebSocket(new URL('/ws', serviceUrl.replace('http', 'ws')));
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      });
      return { api, socket };
    }, service.url);
    // Without CORS headers the browser hides the answer; the service itself answers 403.
    expect(outcome).toEqual({ api: 'refused', socket: 'refused' });
    const direct = await fetch(new URL('/api', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: foreign.url.slice(0, -1) },
      body: JSON.stringify({ function: 'iReadCardBas', iType: 3 }),
    });
    expect(direct.status).toBe(403);
    await other.close();
  });
});
