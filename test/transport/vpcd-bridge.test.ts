import { spawnSync } from 'node:child_process';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VpcdBridge } from '../../emulator/vpcd-bridge.js';
import { FakeVirtualCard } from './fake-virtual-card.js';

/** Plays vpcd's side of the vicc protocol on a loopback port, with deliberately awkward writes. */
class FakeVpcd {
  server: Server;
  socket: Socket | undefined;
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private connectWaiters: Array<(s: Socket) => void> = [];

  constructor() {
    this.server = createServer((socket) => {
      this.socket = socket;
      this.received = Buffer.alloc(0);
      socket.on('data', (d) => {
        this.received = Buffer.concat([this.received, d]);
        for (const w of this.waiters.splice(0)) w();
      });
      socket.on('error', () => {});
      for (const w of this.connectWaiters.splice(0)) w(socket);
    });
  }
  listen(port = 0): Promise<number> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }
  accepted(timeoutMs = 5000): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return withTimeout(new Promise((resolve) => this.connectWaiters.push(resolve)), timeoutMs, 'accept');
  }
  /** Next whole frame from the card. */
  async frame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.received.length >= 2) {
        const n = this.received.readUInt16BE(0);
        if (this.received.length >= 2 + n) {
          const f = this.received.subarray(2, 2 + n);
          this.received = this.received.subarray(2 + n);
          return Buffer.from(f);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no frame from the card in time');
      await withTimeout(new Promise<void>((r) => this.waiters.push(r)), left, 'frame').catch(() => {});
    }
  }
  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function framed(payload: number[]): Buffer {
  const b = Buffer.alloc(2 + payload.length);
  b.writeUInt16BE(payload.length, 0);
  b.set(payload, 2);
  return b;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(socketThread = true) {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  const card = new FakeVirtualCard();
  const bridge = new VpcdBridge(card, { port, minBackoffMs: 20, maxBackoffMs: 100, socketThread });
  cleanups.push(
    () => vpcd.close(),
    () => bridge.stop(),
  );
  bridge.start();
  await bridge.waitConnected(5000);
  const socket = await vpcd.accepted();
  return { vpcd, port, card, bridge, socket };
}

describe.each([
  ['in its socket thread', true],
  ['on the main thread (socketThread: false)', false],
])('VpcdBridge (against a fake vpcd), connection %s', (_, socketThread) => {
  it('answers GET ATR, powers the card on and off, and resets without a reply', async () => {
    const { vpcd, card, socket } = await setup(socketThread);
    socket.write(framed([0x04]));
    expect([...(await vpcd.frame())]).toEqual([...card.atr]);
    socket.write(framed([0x01]));
    socket.write(framed([0x02]));
    socket.write(framed([0x00]));
    socket.write(framed([0x04]));
    expect([...(await vpcd.frame())]).toEqual([...card.atr]);
    // The first GET ATR powered the card to learn its ATR; then on, reset, off in order. The socket
    // thread answers GET ATR itself (the presence poll) while the power events travel to the main
    // thread, so they may land just after that answer.
    await expect.poll(() => card.events).toEqual(['on', 'on', 'reset', 'off']);
  });

  it('reassembles a frame split across writes (length and body apart, as bookworm vpcd sends)', async () => {
    const { vpcd, socket } = await setup(socketThread);
    const f = framed([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);
    socket.write(f.subarray(0, 2));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(f.subarray(2, 4));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(f.subarray(4));
    expect([...(await vpcd.frame())]).toEqual([0x90, 0x00]);
  });

  it('answers several frames arriving in one write, in order', async () => {
    const { vpcd, socket } = await setup(socketThread);
    socket.write(Buffer.concat([framed([0x04]), framed([0x80, 0xca, 0x00, 0x00, 0x03]), framed([0x00, 0xb0, 0x00, 0x00])]));
    expect([...(await vpcd.frame())]).toEqual([0x3b, 0x02, 0x14, 0x50]);
    expect([...(await vpcd.frame())]).toEqual([0, 1, 2, 0x90, 0x00]);
    expect([...(await vpcd.frame())]).toEqual([0x6d, 0x00]);
  });

  it('carries extended APDUs of tens of kilobytes both ways', async () => {
    const { vpcd, socket } = await setup(socketThread);
    const data = Array.from({ length: 40_000 }, (_, i) => (i * 7) & 0xff);
    socket.write(framed([0x80, 0xee, 0x00, 0x00, 0x00, 40_000 >> 8, 40_000 & 0xff, ...data]));
    const reply = await vpcd.frame();
    expect(reply.length).toBe(40_002);
    expect([...reply.subarray(0, 40_000)]).toEqual(data);
  });

  it('reconnects after vpcd drops it (pcscd restart) and powers the card off on the way', async () => {
    const { vpcd, card, bridge, socket } = await setup(socketThread);
    socket.write(framed([0x01]));
    socket.write(framed([0x04]));
    await vpcd.frame();
    const disconnected = new Promise<void>((r) => bridge.once('disconnected', () => r()));
    vpcd.socket = undefined;
    socket.destroy();
    await withTimeout(disconnected, 5000, 'disconnected');
    expect(card.events.at(-1)).toBe('off');
    const again = await vpcd.accepted();
    await bridge.waitConnected(5000);
    again.write(framed([0x04]));
    expect([...(await vpcd.frame())]).toEqual([...card.atr]);
  });

  it('keeps retrying while nothing listens, and connects once vpcd appears', async () => {
    const probe = new FakeVpcd();
    const port = await probe.listen();
    await probe.close();
    const card = new FakeVirtualCard();
    const bridge = new VpcdBridge(card, { port, minBackoffMs: 20, maxBackoffMs: 50, socketThread });
    cleanups.push(() => bridge.stop());
    const errors: Error[] = [];
    bridge.on('error', (e) => errors.push(e));
    bridge.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(bridge.connected).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    const vpcd = new FakeVpcd();
    cleanups.push(() => vpcd.close());
    await vpcd.listen(port);
    await bridge.waitConnected(5000);
    expect(bridge.connected).toBe(true);
  });

  it('stop() closes the connection (= card removal) and does not reconnect', async () => {
    const { vpcd, bridge, socket } = await setup(socketThread);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    vpcd.socket = undefined;
    await bridge.stop();
    await withTimeout(closed, 5000, 'close');
    await new Promise((r) => setTimeout(r, 150));
    expect(vpcd.socket).toBeUndefined();
    expect(bridge.connected).toBe(false);
  });

  it("answers vpcd's presence poll (GET ATR) while the main thread is blocked in a synchronous call", async () => {
    // As when the same process makes a synchronous PC/SC call that waits on pcscd while pcscd
    // waits for this card's ATR: here a vpcd stand-in runs in a child process, and spawnSync
    // blocks this thread until it has connected, asked for the ATR and read the answer.
    const probe = new FakeVpcd();
    const port = await probe.listen();
    await probe.close();
    const card = new FakeVirtualCard();
    const bridge = new VpcdBridge(card, { port, minBackoffMs: 20, maxBackoffMs: 50 });
    cleanups.push(() => bridge.stop());
    bridge.start();
    const vpcd = `
      const net = require('node:net');
      const server = net.createServer((s) => {
        s.write(Buffer.from([0, 1, 4]));
        let got = Buffer.alloc(0);
        s.on('data', (d) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
            process.stdout.write(got.subarray(2).toString('hex'));
            process.exit(0);
          }
        });
      });
      server.listen(${port}, '127.0.0.1');
      setTimeout(() => process.exit(3), 5000);
    `;
    const r = spawnSync(process.execPath, ['-e', vpcd], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(Buffer.from(card.atr).toString('hex'));
  });

  it('waitConnected rejects within its timeout when vpcd is absent', async () => {
    const bridge = new VpcdBridge(new FakeVirtualCard(), { port: 1, minBackoffMs: 20, socketThread });
    cleanups.push(() => bridge.stop());
    bridge.start();
    await expect(bridge.waitConnected(200)).rejects.toThrow(/did not accept the card/);
  });
});
