// PC/SC path: per-APDU cost of PcscTransport against pyscard on the same pcscd + vpcd in the same
// run (issue 8 target: ≤ 1.1× pyscard's latency, i.e. ≥ 0.91× its rate), and a raw loopback
// round trip of the same frames as the floor. Needs pcscd with vpcd (scripts/pcsc-up.sh).
import { execFile } from 'node:child_process';
import { type AddressInfo, connect, createServer } from 'node:net';
import { loadPcscBinding } from '../src/transport/pcsc-binding.js';
import { PcscTransport } from '../src/transport/pcsc-transport.js';
import type { BenchRow } from './bench-types.js';
import { startVpcdCard } from './vpcd-card-process.js';

const READER = 'Virtual PCD 00 00';
const N = 2000;
const ROUNDS = 3;
const SELECT = [0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00];

// The card: the cheapest possible one (9000 to everything), so that the figures are the path's.

export default async function pcscBench(): Promise<BenchRow[]> {
  // The card runs in its own process for every client, as a real card would be outside both.
  const cardProcess = await startCardProcess();
  const transport = new PcscTransport({ reader: READER, waitForCardMs: 10_000 });
  try {
    await transport.connect();
    const command = new Uint8Array(SELECT);
    for (let i = 0; i < 200; i++) await transport.transmit(command);
    // Interleaved rounds, best of each: the machine's load drifts, and the figures must share it.
    let ours = 0;
    let raw = 0;
    let pyscard = 0;
    for (let round = 0; round < ROUNDS; round++) {
      ours = Math.max(
        ours,
        await rate(async () => {
          for (let i = 0; i < N; i++) await transport.transmit(command);
        }),
      );
      raw = Math.max(raw, await rawBindingRate());
      pyscard = Math.max(pyscard, await pyscardRate());
    }
    await transport.close();
    const loopback = await loopbackRate();
    return [
      {
        group: 'pcsc',
        name: `PcscTransport, ${N} short APDUs via pcscd+vpcd (best of ${ROUNDS})`,
        ours,
        reference: 'pyscard, same pcscd+vpcd',
        referenceValue: pyscard,
        unit: 'APDU/s',
        target: 1 / 1.1,
      },
      {
        group: 'pcsc',
        name: 'PcscTransport overhead over the bare smartcard binding',
        ours,
        reference: 'smartcard Card.transmit, same pcscd+vpcd',
        referenceValue: raw,
        unit: 'APDU/s',
      },
      {
        group: 'pcsc',
        name: 'PcscTransport vs raw TCP loopback round trip (the floor)',
        ours,
        reference: 'framed request/reply on 127.0.0.1, no pcscd',
        referenceValue: loopback,
        unit: 'APDU/s',
      },
    ];
  } finally {
    await transport.close();
    cardProcess.kill('SIGTERM');
  }
}

/** The trivial card (9000 to everything), so that the figures are the path's. */
function startCardProcess() {
  return startVpcdCard(
    'const atr = () => new Uint8Array([0x3b, 0x02, 0x14, 0x50]); const card = { powerOn: atr, powerOff() {}, reset: atr, transmit: () => new Uint8Array([0x90, 0x00]) };',
  );
}

/** The binding alone, without our timeouts, queue and checks. */
async function rawBindingRate(): Promise<number> {
  const binding = await loadPcscBinding();
  const context = new binding.Context();
  try {
    const reader = context.listReaders().find((r) => r.name === READER);
    if (!reader) throw new Error(`${READER} not found`);
    const card = await reader.connect(binding.SCARD_SHARE_SHARED, binding.SCARD_PROTOCOL_T0 | binding.SCARD_PROTOCOL_T1);
    const command = Buffer.from(SELECT);
    for (let i = 0; i < 200; i++) await card.transmit(command);
    const result = await rate(async () => {
      for (let i = 0; i < N; i++) await card.transmit(command);
    });
    card.disconnect(binding.SCARD_LEAVE_CARD);
    return result;
  } finally {
    context.close();
  }
}

async function rate(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (N * 1000) / (performance.now() - start);
}

function pyscardRate(): Promise<number> {
  const script = [
    'import time',
    'from smartcard.System import readers',
    `r = [x for x in readers() if str(x) == "${READER}"][0]`,
    'from smartcard.scard import SCARD_LEAVE_CARD',
    // Leave the card as it is on disconnect: pyscard's default resets it under our open handle.
    'c = r.createConnection(); c.connect(disposition=SCARD_LEAVE_CARD)',
    `cmd = ${JSON.stringify(SELECT)}`,
    'for _ in range(200): c.transmit(cmd)',
    't = time.perf_counter()',
    `for _ in range(${N}): c.transmit(cmd)`,
    `print(${N} / (time.perf_counter() - t))`,
    'c.disconnect()',
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', script], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pyscard run failed: ${stderr || error.message}`));
      else resolve(Number(stdout.trim()));
    });
  });
}

/** A framed request and a framed reply over loopback TCP: what vpcd's socket costs at best. */
async function loopbackRate(): Promise<number> {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', () => s.write(Buffer.from([0x00, 0x02, 0x90, 0x00])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const frame = Buffer.from([0x00, SELECT.length, ...SELECT]);
  const once = () =>
    new Promise<void>((resolve) => {
      socket.once('data', () => resolve());
      socket.write(frame);
    });
  for (let i = 0; i < 200; i++) await once();
  const result = await rate(async () => {
    for (let i = 0; i < N; i++) await once();
  });
  socket.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return result;
}
