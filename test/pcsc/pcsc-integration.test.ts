// Everything that goes through the real pcscd + vpcd lives in this one file, so that these tests
// run one after another and never fight over a vpcd slot (other files may run in parallel).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard } from '../../emulator/open-card.js';
import type { VirtualCard } from '../../emulator/virtual-card.js';
import { VpcdBridge } from '../../emulator/vpcd-bridge.js';
import { decodeAtr } from '../../src/apdu/atr.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { setEmulatorFactory } from '../../src/cli/open-transport.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { PcscReaderMonitor, type ReaderEvent } from '../../src/transport/reader-events.js';
import { pcscReaderSource } from '../../src/transport/reader-registry.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { FakeVirtualCard } from '../transport/fake-virtual-card.js';
import { pcscdStartedByScript, pcscTestsEnabled } from './pcscd-gate.js';

const enabled = await pcscTestsEnabled('test/pcsc/pcsc-integration.test.ts');

const SLOT0 = { reader: 'Virtual PCD 00 00', port: 35963 };
const SLOT1 = { reader: 'Virtual PCD 00 01', port: 35964 };
const SELECT_MF = new Uint8Array([0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function insert(card: VirtualCard, slot = SLOT0): Promise<VpcdBridge> {
  const bridge = new VpcdBridge(card, { port: slot.port, minBackoffMs: 50, maxBackoffMs: 500 });
  cleanups.push(async () => {
    await bridge.stop();
    await emptyForPcscd(slot);
  });
  bridge.start();
  await bridge.waitConnected(10_000);
  await seenByPcscd(slot);
  return bridge;
}

/** Waits (bounded) until pcscd reports the slot empty, so the next card there is seen as new. */
async function emptyForPcscd(slot = SLOT0): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const readers = await pcscReaderSource().list();
    if (!readers.find((r) => r.name === slot.reader)?.cardPresent) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** vpcd accepts the card at once, but pcscd notices it at its next presence poll (≤ 400 ms). */
async function seenByPcscd(slot = SLOT0): Promise<void> {
  const probe = new PcscTransport({ reader: slot.reader, waitForCardMs: 10_000, timeoutMs: 5000 });
  try {
    await probe.connect();
  } finally {
    await probe.close();
  }
}

function transport(slot = SLOT0, extra: ConstructorParameters<typeof PcscTransport>[0] = {}): PcscTransport {
  const t = new PcscTransport({ reader: slot.reader, waitForCardMs: 10_000, timeoutMs: 5000, ...extra });
  cleanups.push(() => t.close());
  return t;
}

/** Waits until `predicate` holds for an event the monitor emitted (bounded). */
function nextEvent(monitor: PcscReaderMonitor, predicate: (e: ReaderEvent) => boolean, ms = 10_000): Promise<ReaderEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching reader event within ${ms} ms`));
    }, ms);
    const unsubscribe = monitor.subscribe((e) => {
      if (e.initial || !predicate(e)) return;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      resolve(e);
    });
  });
}

function run(file: string, args: string[], input?: string, timeoutMs = 20_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe.skipIf(!enabled)('PcscTransport through real pcscd + vpcd', () => {
  it('sees the emulated card, reads it, resets it warm and cold, and carries extended APDUs', async () => {
    const card = new FakeVirtualCard();
    await insert(card);
    const t = transport();
    const atr = await t.connect();
    expect(hex(atr)).toBe(hex(card.atr));
    expect(t.name).toBe(SLOT0.reader);
    expect(t.cardKind).toBe('contact');
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
    expect(hex(await t.transmit(new Uint8Array([0x80, 0xca, 0x00, 0x00, 0x04])))).toBe('000102039000');
    // Extended Le of 4096: the receive buffer is sized for extended APDUs, not the binding's 258.
    const big = await t.transmit(new Uint8Array([0x80, 0xca, 0x00, 0x00, 0x00, 0x10, 0x00]));
    expect(big.length).toBe(4098);
    const echoData = new Uint8Array(3000).map((_, i) => i * 13);
    const echo = await t.transmit(new Uint8Array([0x80, 0xee, 0x00, 0x00, 0x00, 3000 >> 8, 3000 & 0xff, ...echoData]));
    expect(hex(echo.subarray(0, 3000))).toBe(hex(echoData));
    // Power changes reach the card before its next command (the bridge's thread forwards them in
    // order with the APDUs), so the events are checked after one.
    const before = card.events.length;
    expect(hex(await t.reset('warm'))).toBe(hex(card.atr));
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
    expect(card.events.slice(before)).toContain('reset');
    const beforeCold = card.events.length;
    expect(hex(await t.reset('cold'))).toBe(hex(card.atr));
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
    expect(card.events.slice(beforeCold)).toEqual(expect.arrayContaining(['off', 'on']));
  });

  it('reports removal mid-command as TransportError(card-removed) without hanging, then sees re-insertion', async () => {
    let bridge: VpcdBridge | undefined;
    const card = new FakeVirtualCard();
    const pulling: VirtualCard = {
      powerOn: () => card.powerOn(),
      powerOff: () => card.powerOff(),
      reset: () => card.reset(),
      transmit: (c) => {
        // INS 0xDD: the card is pulled while it works on the command (the connection drops before any answer).
        if (c[1] === 0xdd) void bridge?.stop();
        return card.transmit(c);
      },
    };
    bridge = await insert(pulling);
    const t = transport();
    await t.connect();
    const started = Date.now();
    const error = await t.transmit(new Uint8Array([0x80, 0xdd, 0x00, 0x00])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).reason).toBe('card-removed');
    expect(Date.now() - started).toBeLessThan(5000 + 1000);
    // Later calls keep saying why, instead of hanging or crashing.
    await expect(t.transmit(SELECT_MF)).rejects.toMatchObject({ reason: 'card-removed' });
    // Re-insertion: the same transport connects again once the card is back.
    bridge.start();
    await bridge.waitConnected(10_000);
    await t.connect();
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
  });

  it('reports removal between commands the same way, and connect() waits for the card within its bound', async () => {
    const bridge = await insert(new FakeVirtualCard());
    const t = transport();
    await t.connect();
    await bridge.stop();
    await expect(t.transmit(SELECT_MF)).rejects.toMatchObject({ reason: 'card-removed' });
    const impatient = transport(SLOT0, { waitForCardMs: 300 });
    await expect(impatient.connect()).rejects.toMatchObject({ reason: 'no-card' });
    setTimeout(() => bridge.start(), 300);
    await t.connect();
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
  });

  it('names a reader that is not there as no-reader', async () => {
    const t = transport({ reader: 'No Such Reader 99', port: 0 }, { waitForCardMs: 0 });
    await expect(t.connect()).rejects.toMatchObject({ reason: 'no-reader' });
  });

  it('keeps other programs out in exclusive mode and lets them back after', async () => {
    await insert(new FakeVirtualCard());
    const holder = transport(SLOT0, { share: 'exclusive' });
    await holder.connect();
    const other = transport(SLOT0, { waitForCardMs: 0 });
    await expect(other.connect()).rejects.toMatchObject({ reason: 'sharing-violation' });
    await holder.close();
    await other.connect();
    // A transaction in shared mode can take the card exclusively for its duration, then give it back.
    const inside = await other.transaction(
      async (card) => {
        const r = await card.transmit(SELECT_MF);
        // pcsc-lite makes other connects wait while the card is held exclusively: bounded here.
        const blocked = await transport(SLOT0, { waitForCardMs: 0, timeoutMs: 700 })
          .connect()
          .then(
            () => 'connected',
            (e: TransportError) => e.reason,
          );
        return { r: hex(r), blocked };
      },
      { exclusive: true },
    );
    expect(inside.r).toBe('9000');
    expect(['sharing-violation', 'timeout']).toContain(inside.blocked);
    const after = transport(SLOT0, { waitForCardMs: 0 });
    await after.connect();
    expect(hex(await after.transmit(SELECT_MF))).toBe('9000');
    expect(hex(await other.transmit(SELECT_MF))).toBe('9000');
  });

  it('watches readers: the current state first, then insertion and removal', async () => {
    const monitor = new PcscReaderMonitor({ pollMs: 500 });
    cleanups.push(() => monitor.stop());
    await monitor.start();
    const seen: ReaderEvent[] = [];
    cleanups.push(monitor.subscribe((e) => seen.push(e)));
    expect(seen.filter((e) => e.initial && e.type === 'reader-attached').map((e) => (e as { reader: string }).reader)).toEqual(
      expect.arrayContaining([SLOT0.reader, SLOT1.reader]),
    );
    const inserted = nextEvent(monitor, (e) => e.type === 'card-inserted' && e.reader === SLOT1.reader);
    const card = new FakeVirtualCard(
      new Uint8Array([
        0x3b, 0x8f, 0x80, 0x01, 0x80, 0x4f, 0x0c, 0xa0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6a,
      ]),
    );
    const bridge = await insert(card, SLOT1);
    const e = await inserted;
    expect(e.type === 'card-inserted' && hex(e.atr)).toBe(hex(card.atr));
    // A listener that arrives now is told the card is there.
    const late: ReaderEvent[] = [];
    monitor.subscribe((ev) => late.push(ev))();
    expect(late).toContainEqual(expect.objectContaining({ type: 'card-inserted', reader: SLOT1.reader, initial: true }));
    const removed = nextEvent(monitor, (ev) => ev.type === 'card-removed' && ev.reader === SLOT1.reader);
    await bridge.stop();
    await removed;
  });

  it('carries two cards in two slots and tells contact from contactless by the ATR', async () => {
    await insert(new FakeVirtualCard(), SLOT0);
    const mifare = new Uint8Array([
      0x3b, 0x8f, 0x80, 0x01, 0x80, 0x4f, 0x0c, 0xa0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6a,
    ]);
    await insert(new FakeVirtualCard(mifare), SLOT1);
    const contact = transport(SLOT0);
    const contactless = transport(SLOT1);
    await contact.connect();
    await contactless.connect();
    expect(contact.cardKind).toBe('contact');
    expect(contactless.cardKind).toBe('contactless');
    expect(decodeAtr(contactless.atr!).contactless?.cardName?.name).toBe('MIFARE Classic 1K');
    expect(hex(await contactless.transmit(SELECT_MF))).toBe('9000');
  });

  it('answers pyscard and scriptor, independent PC/SC clients', async () => {
    await insert(new FakeVirtualCard());
    const py = [
      'from smartcard.System import readers',
      'r = [x for x in readers() if str(x) == "Virtual PCD 00 00"][0]',
      'c = r.createConnection(); c.connect()',
      'print(bytes(c.getATR()).hex().upper())',
      'd, s1, s2 = c.transmit([0x80, 0xCA, 0x00, 0x00, 0x03])',
      'print(bytes(d + [s1, s2]).hex().upper())',
      'c.disconnect()',
    ].join('\n');
    const pyOut = await run('/usr/bin/python3', ['-c', py]);
    expect(pyOut.stdout.trim().split('\n')).toEqual(['3B021450', '0001029000']);
    const scriptor = await run('scriptor', ['-r', SLOT0.reader], '80 CA 00 00 02\n00 A4 00 00 02 3F 00\n');
    expect(scriptor.stdout).toMatch(/<\s*00 01 90 00/);
    expect(scriptor.stdout).toMatch(/<\s*90 00/);
  });
});

describe.skipIf(!enabled)('sscard commands through real pcscd + vpcd', () => {
  afterEach(() => setEmulatorFactory(undefined));

  it('readers lists the vpcd readers with the card and its ATR, and the built-in emulator', async () => {
    await insert(new FakeVirtualCard());
    const io = memoryIo();
    expect(await runCli(['readers'], io)).toBe(0);
    expect(io.text()).toMatch(/Virtual PCD 00 00 +card {2}3B021450 {2}\(contact\)/);
    expect(io.text()).toMatch(/Virtual PCD 00 01 +no card/);
    expect(io.text()).toMatch(/sscard emulator +built-in/);
    const json = memoryIo();
    expect(await runCli(['readers', '--json'], json)).toBe(0);
    expect(JSON.parse(json.text()).readers).toContainEqual(
      expect.objectContaining({ name: SLOT0.reader, cardPresent: true, atr: '3B021450' }),
    );
  });

  it('send --reader talks to the card in a PC/SC reader; atr reads its ATR', async () => {
    await insert(new FakeVirtualCard());
    const io = memoryIo();
    expect(await runCli(['send', '--reader', 'PCD 00 00', '80CA000002', '00A40000023F00'], io)).toBe(0);
    expect(io.text()).toBe('> 80CA000002\n< 0001 9000 success\n> 00A40000023F00\n< 9000 success\n');
    const atrIo = memoryIo();
    expect(await runCli(['atr', '--reader', SLOT0.reader], atrIo)).toBe(0);
    expect(atrIo.text()).toMatch(/ATR: 3B 02 14 50/);
  });

  it('send --exclusive takes the card only when no other program has it open', async () => {
    await insert(new FakeVirtualCard());
    const other = transport(SLOT0, { waitForCardMs: 0 });
    await other.connect();
    const refused = memoryIo();
    expect(await runCli(['send', '--reader', SLOT0.reader, '--exclusive', '--timeout', '2000', '00A40000023F00'], refused)).toBe(3);
    expect(refused.errText()).toMatch(/^sscard: .*the card is in use by another program/);
    await other.close();
    const io = memoryIo();
    expect(await runCli(['send', '--reader', SLOT0.reader, '--exclusive', '00A40000023F00'], io)).toBe(0);
    expect(io.text()).toBe('> 00A40000023F00\n< 9000 success\n');
  });

  it('send with no card says so with the transport exit code', async () => {
    const io = memoryIo();
    expect(await runCli(['send', '--reader', SLOT1.reader, '00A40000'], io)).toBe(3);
    expect(io.errText()).toMatch(/^sscard: no card in "Virtual PCD 00 01"/);
  });

  it('watch prints the current state, then insertions and removals', async () => {
    const io = memoryIo();
    const watching = runCli(['watch', '--for', '3'], io);
    await new Promise((r) => setTimeout(r, 300));
    const bridge = await insert(new FakeVirtualCard(), SLOT1);
    await bridge.stop();
    expect(await watching).toBe(0);
    const text = io.text();
    expect(text).toMatch(/now +reader attached {3}Virtual PCD 00 00/);
    expect(text).toMatch(/card inserted {5}Virtual PCD 00 01 {2}ATR 3B021450 \(contact\)/);
    expect(text).toMatch(/card removed {6}Virtual PCD 00 01/);
  });

  it('emulate puts the card into vpcd, where PcscTransport reads it, and takes it out when done', async () => {
    const card = new FakeVirtualCard();
    let closed = 0;
    setEmulatorFactory(async () => ({ card, label: 'fake', close: async () => void closed++ }));
    const io = memoryIo();
    const emulating = runCli(['emulate', '--port', String(SLOT1.port), '--for', '4'], io);
    const t = transport(SLOT1);
    await t.connect();
    expect(hex(await t.transmit(new Uint8Array([0x80, 0xca, 0x00, 0x00, 0x01])))).toBe('009000');
    expect(await emulating).toBe(0);
    expect(closed).toBe(1);
    expect(io.text()).toMatch(/card "fake" inserted into vpcd at 127.0.0.1:35964 \(reader "Virtual PCD 00 01"\)/);
    expect(io.text()).toMatch(/card "fake" removed/);
    await expect(t.transmit(SELECT_MF)).rejects.toBeInstanceOf(TransportError);
  });
});

const PROFILE = 'emulator/profiles/test-minimal.json';
const realCard = (contactless = false) =>
  openCard({ profile: PROFILE, logger: memoryLogger(), ...(contactless ? { cardInterface: 'contactless' as const } : {}) });

describe.skipIf(!enabled)('the real CardEmulator through pcscd + vpcd', () => {
  it('PcscTransport reads it, sees it leave (typed error, no hang) and come back', async () => {
    const card = realCard();
    const bridge = await insert(card);
    const t = transport();
    expect(hex(await t.connect())).toBe(hex(card.answerToResetBytes));
    expect(t.activeProtocol).toBe('T0');
    const select = await t.transmit(new Uint8Array([0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00]));
    expect(hex(select).slice(0, 2)).toMatch(/61|90/);
    // READ BINARY of EF 0001 by its SFI: the card serial of the test profile.
    expect(hex(await t.transmit(new Uint8Array([0x00, 0xb0, 0x81, 0x00, 0x08])))).toBe('11223344556677889000');
    await bridge.stop();
    const started = Date.now();
    const error = await t.transmit(new Uint8Array([0x00, 0xb0, 0x81, 0x00, 0x08])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).reason).toBe('card-removed');
    expect(Date.now() - started).toBeLessThan(6000);
    bridge.start();
    await bridge.waitConnected(10_000);
    await t.connect();
    expect(hex(await t.transmit(new Uint8Array([0x00, 0xb0, 0x81, 0x00, 0x08])))).toBe('11223344556677889000');
  });

  it('answers pyscard and scriptor', async () => {
    await insert(realCard());
    const py = [
      'from smartcard.System import readers',
      'r = [x for x in readers() if str(x) == "Virtual PCD 00 00"][0]',
      'c = r.createConnection(); c.connect()',
      'd, s1, s2 = c.transmit([0x00, 0xB0, 0x81, 0x00, 0x08])',
      'print(bytes(d + [s1, s2]).hex().upper())',
      'c.disconnect()',
    ].join('\n');
    expect((await run('/usr/bin/python3', ['-c', py])).stdout.trim()).toBe('11223344556677889000');
    const scriptor = await run('scriptor', ['-r', SLOT0.reader], '00 B0 81 00 08\n');
    expect(scriptor.stdout).toMatch(/<\s*11 22 33 44 55 66 77 88 90 00/);
  });

  it('shows its contactless face in the second slot with a synthesized ATR', async () => {
    await insert(realCard(true), SLOT1);
    const t = transport(SLOT1);
    const atr = await t.connect();
    expect(t.cardKind).toBe('contactless');
    expect(decodeAtr(atr).contactless?.form).toBe('iso14443-4');
  });

  it('`sscard emulate` runs as a process, serves PC/SC clients, and stops cleanly on SIGTERM with its state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-emulate-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'card.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.runCli(process.argv.slice(1)); })",
        'emulate',
        '--profile',
        'test-minimal',
        '--state',
        stateFile,
        '--port',
        String(SLOT1.port),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    cleanups.push(() => {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const t = transport(SLOT1, { waitForCardMs: 20_000 });
    await t.connect();
    expect(hex(await t.transmit(new Uint8Array([0x00, 0xb0, 0x81, 0x00, 0x08])))).toBe('11223344556677889000');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/inserted into vpcd at 127.0.0.1:35964/);
    expect(out).toMatch(/removed; state saved to/);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toBeTypeOf('object');
    await expect(t.transmit(SELECT_MF)).rejects.toBeInstanceOf(TransportError);
  });
});

const ownsPcscd = enabled && pcscdStartedByScript();
if (enabled && !ownsPcscd) process.stderr.write('!! skipping the pcscd restart test: pcscd was not started by scripts/pcsc-up.sh\n');

describe.skipIf(!ownsPcscd)('recovery when pcscd restarts', () => {
  afterAll(async () => {
    // Whatever happened, leave pcscd running for the rest of the run.
    await run('scripts/pcsc-up.sh', [], undefined, 60_000);
  });

  it('says no-service while pcscd is down, and the bridge and the transport recover when it returns', async () => {
    const bridge = await insert(new FakeVirtualCard());
    const t = transport();
    await t.connect();
    const monitor = new PcscReaderMonitor({ pollMs: 500, retryMs: 200 });
    cleanups.push(() => monitor.stop());
    await monitor.start();
    const down = nextEvent(monitor, (e) => e.type === 'service-down');
    await run('scripts/pcsc-down.sh', [], undefined, 30_000);
    await down;
    const error = await t.transmit(SELECT_MF).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(['no-service', 'card-removed']).toContain((error as TransportError).reason);
    await expect(t.connect()).rejects.toMatchObject({ reason: 'no-service' });
    const up = nextEvent(monitor, (e) => e.type === 'service-up');
    const back = nextEvent(monitor, (e) => e.type === 'card-inserted' && e.reader === SLOT0.reader, 20_000);
    await run('scripts/pcsc-up.sh', [], undefined, 60_000);
    await up;
    await bridge.waitConnected(15_000);
    await back;
    await t.connect();
    expect(hex(await t.transmit(SELECT_MF))).toBe('9000');
  });
});
