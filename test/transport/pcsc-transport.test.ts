import { describe, expect, it } from 'vitest';
import { parkedHandleCount } from '../../src/transport/parked-handles.js';
import type { PcscBinding, PcscCard, PcscContext, PcscReader } from '../../src/transport/pcsc-binding.js';
import { pcscFailure } from '../../src/transport/pcsc-binding.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { TransportError } from '../../src/transport/transport-error.js';

const PRESENT = 0x20;

/** A binding whose readers and card behave as each test says; no pcscd needed. */
function fakeBinding(opts: {
  contextThrows?: string;
  readers?: Array<{ name: string; present: boolean }>;
  transmit?: (c: Uint8Array) => Promise<Uint8Array>;
}): PcscBinding & { maxRecv: number[]; released: string[] } {
  const maxRecv: number[] = [];
  const released: string[] = [];
  const card: PcscCard = {
    protocol: 2,
    connected: true,
    atr: new Uint8Array([0x3b, 0x00]),
    transmit: (c, o) => {
      maxRecv.push(o?.maxRecvLength ?? 0);
      return opts.transmit ? opts.transmit(new Uint8Array(c)) : Promise.resolve(new Uint8Array([0x90, 0x00]));
    },
    getStatus: () => ({ state: PRESENT, protocol: 2, atr: new Uint8Array([0x3b, 0x00]) }),
    disconnect: () => {
      released.push('disconnect');
    },
    reconnect: async () => 2,
  };
  class Context implements PcscContext {
    isValid = true;
    constructor() {
      if (opts.contextThrows) throw new Error(opts.contextThrows);
    }
    listReaders(): PcscReader[] {
      return (opts.readers ?? []).map((r) => ({ name: r.name, state: r.present ? PRESENT : 0x10, atr: null, connect: async () => card }));
    }
    waitForChange = async () => [];
    cancel(): void {}
    close(): void {
      released.push('close');
    }
  }
  return {
    maxRecv,
    released,
    Context,
    SCARD_SHARE_EXCLUSIVE: 1,
    SCARD_SHARE_SHARED: 2,
    SCARD_PROTOCOL_T0: 1,
    SCARD_PROTOCOL_T1: 2,
    SCARD_PROTOCOL_RAW: 4,
    SCARD_LEAVE_CARD: 0,
    SCARD_RESET_CARD: 1,
    SCARD_UNPOWER_CARD: 2,
    SCARD_STATE_PRESENT: PRESENT,
    SCARD_STATE_EMPTY: 0x10,
    SCARD_STATE_MUTE: 0x200,
    SCARD_STATE_EXCLUSIVE: 0x80,
    SCARD_STATE_INUSE: 0x100,
    SCARD_STATE_UNAVAILABLE: 0x8,
  };
}

describe('PcscTransport (fake binding)', () => {
  it('says no-service when pcscd is not running', async () => {
    const t = new PcscTransport({ binding: fakeBinding({ contextThrows: 'PC/SC service not running' }) });
    const e = await t.connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ reason: 'no-service', code: 'ETRANSPORT' });
    expect((e as Error).message).toMatch(/start pcscd/);
  });

  it('passes a missing-binding error through unchanged', async () => {
    const missing = new TransportError('binding-missing', 'install libpcsclite-dev and reinstall');
    const t = new PcscTransport({ binding: () => Promise.reject(missing) });
    await expect(t.connect()).rejects.toBe(missing);
  });

  it('picks the first reader holding a card, or the one named (exactly or by a part of its name)', async () => {
    const readers = [
      { name: 'Empty Reader 00', present: false },
      { name: 'ACS ACR122U 01', present: true },
    ];
    const first = new PcscTransport({ binding: fakeBinding({ readers }) });
    await first.connect();
    expect(first.name).toBe('ACS ACR122U 01');
    const named = new PcscTransport({ binding: fakeBinding({ readers }), reader: 'acr122' });
    await named.connect();
    expect(named.name).toBe('ACS ACR122U 01');
    await expect(new PcscTransport({ binding: fakeBinding({ readers }), reader: 'Empty' }).connect()).rejects.toMatchObject({
      reason: 'no-card',
    });
    await expect(new PcscTransport({ binding: fakeBinding({ readers }), reader: 'Nope' }).connect()).rejects.toMatchObject({
      reason: 'no-reader',
    });
    await expect(new PcscTransport({ binding: fakeBinding({ readers: [] }) }).connect()).rejects.toMatchObject({ reason: 'no-reader' });
  });

  it('asks for an extended-size receive buffer', async () => {
    const binding = fakeBinding({ readers: [{ name: 'R', present: true }] });
    const t = new PcscTransport({ binding });
    await t.connect();
    await t.transmit(new Uint8Array([0, 0xb0, 0, 0, 0]));
    expect(binding.maxRecv).toEqual([65538]);
  });

  it('turns a command that never returns into TransportError(timeout) within its bound', async () => {
    const t = new PcscTransport({
      binding: fakeBinding({ readers: [{ name: 'R', present: true }], transmit: () => new Promise(() => {}) }),
      timeoutMs: 100,
    });
    await t.connect();
    const started = Date.now();
    await expect(t.transmit(new Uint8Array([0, 0xa4, 0, 0]))).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    // The wedged handle is dropped: later calls say why instead of queueing behind it.
    await expect(t.transmit(new Uint8Array([0, 0xa4, 0, 0]))).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('keeps the handles of a timed-out command (no disconnect, no close, not collectable) until the stuck call settles', async () => {
    // The binding's disconnect and close are synchronous, and so is its finalizer: made while
    // pcscd is stuck on the command they would block the main thread with no timer able to end it.
    let unstick: (v: Uint8Array) => void = () => {};
    const binding = fakeBinding({
      readers: [{ name: 'R', present: true }],
      transmit: () =>
        new Promise((resolve) => {
          unstick = resolve;
        }),
    });
    const t = new PcscTransport({ binding, timeoutMs: 100 });
    await t.connect();
    const before = parkedHandleCount();
    await expect(t.transmit(new Uint8Array([0, 0xa4, 0, 0]))).rejects.toMatchObject({ reason: 'timeout' });
    await t.close();
    expect(binding.released).toEqual([]);
    expect(parkedHandleCount()).toBe(before + 1);
    unstick(new Uint8Array([0x90, 0x00]));
    await new Promise((r) => setImmediate(r));
    expect(binding.released).toEqual(['disconnect', 'close']);
    expect(parkedHandleCount()).toBe(before);
  });

  it('refuses to work after close()', async () => {
    const t = new PcscTransport({ binding: fakeBinding({ readers: [{ name: 'R', present: true }] }) });
    await t.connect();
    await t.close();
    await expect(t.transmit(new Uint8Array([0, 0xa4, 0, 0]))).rejects.toMatchObject({ reason: 'closed' });
  });
});

describe('pcscFailure', () => {
  it.each([
    ['PC/SC service not running', 'no-service'],
    ['Card was removed', 'card-removed'],
    ['No smart card present', 'card-removed'],
    ['Unknown reader', 'no-reader'],
    ['Sharing violation', 'sharing-violation'],
    ['Operation timed out', 'timeout'],
    ['Protocol mismatch', 'protocol'],
    ['Transaction failed', 'other'],
  ])('maps "%s" to %s', (message, reason) => {
    expect(pcscFailure(new Error(message), 'x').reason).toBe(reason);
  });
});
