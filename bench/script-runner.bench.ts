// Issue 7: a 10,000-command script on the in-process emulator, against a bare transmit loop
// sending the same commands to the same card. Target: the runner takes at most 1.5× the loop's time.

import { EmulatorTransport, openCard } from '../emulator/index.js';
import { parseHex } from '../src/bytes/hex.js';
import { parseScript } from '../src/script/parser.js';
import { TextReporter } from '../src/script/reporters/text-reporter.js';
import { runScripts } from '../src/script/runner.js';
import type { BenchRow } from './bench-types.js';

const SELECT = '00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF';
const COMMANDS = 10_000;

/** Alternating reads, each with an expectation, as QA scripts look. */
function benchScript(): string {
  const lines = [SELECT, '00 C0 00 00 1E => 6F 1C * 9000'];
  for (let i = 2; i < COMMANDS; i++) {
    lines.push(i % 2 === 0 ? '00 B2 01 2C 12 => 01 10 * 9000' : '00 B2 03 2C 06\nexpect data 03 04 33 2E 30 30');
  }
  return `${lines.join('\n')}\n`;
}

export default async function (): Promise<BenchRow[]> {
  const source = benchScript();
  const script = parseScript(source, 'bench.script');
  // The same bytes, for the reference loop.
  const bytes = source
    .split('\n')
    .filter((l) => /^[0-9A-F]{2} /.test(l))
    .map((l) => parseHex(l.split('=>')[0]!));
  if (bytes.length !== COMMANDS) throw new Error(`bench script has ${bytes.length} commands`);

  const transport = new EmulatorTransport(openCard({ profile: 'default' }), 'sscard emulator (default)');
  let outputBytes = 0;
  const runOnce = async (withText: boolean): Promise<void> => {
    const reporters = withText ? [new TextReporter({ write: (t) => (outputBytes += t.length) })] : [];
    const result = await runScripts([script], { transport, reporters });
    if (!result.passed) throw new Error('bench script failed');
  };
  const bareLoop = async (): Promise<void> => {
    await transport.connect();
    for (const b of bytes) await transport.transmit(b);
  };
  // The runner calls an in-process card synchronously; this loop does the same, without the runner.
  const transmitSync = transport.transmitSync?.bind(transport);
  if (!transmitSync) throw new Error('the emulator transport offers no transmitSync');
  const bareSyncLoop = async (): Promise<void> => {
    await transport.connect();
    for (const b of bytes) transmitSync(b);
  };

  // Alternate rounds so that JIT warm-up and GC hit both sides alike; keep the best of each.
  let quiet = Number.POSITIVE_INFINITY;
  let ours = Number.POSITIVE_INFINITY;
  let reference = Number.POSITIVE_INFINITY;
  let syncReference = Number.POSITIVE_INFINITY;
  const rounds = 8;
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    await runOnce(false);
    quiet = Math.min(quiet, performance.now() - t);
    t = performance.now();
    await bareLoop();
    reference = Math.min(reference, performance.now() - t);
    t = performance.now();
    await bareSyncLoop();
    syncReference = Math.min(syncReference, performance.now() - t);
    t = performance.now();
    await runOnce(true);
    ours = Math.min(ours, performance.now() - t);
  }
  const parseStart = performance.now();
  parseScript(source, 'bench.script');
  const parseMs = performance.now() - parseStart;
  await transport.close();
  const name = `${COMMANDS.toLocaleString('en-US')}-command script`;
  return [
    {
      group: 'script',
      name: `run a ${name}: every expectation checked, results reported (JUnit/JSON/CI use)`,
      ours: (COMMANDS * 1000) / quiet,
      reference: 'bare transmit loop, same emulator',
      referenceValue: (COMMANDS * 1000) / reference,
      unit: 'commands/s',
      target: 1 / 1.5,
      note: `run ${quiet.toFixed(0)} ms, loop ${reference.toFixed(0)} ms, parse ${parseMs.toFixed(0)} ms`,
    },
    {
      group: 'script',
      name: `run a ${name}, against a bare synchronous loop (no promise per command, as the runner calls the emulator)`,
      ours: (COMMANDS * 1000) / quiet,
      reference: 'bare transmitSync loop, same emulator',
      referenceValue: (COMMANDS * 1000) / syncReference,
      unit: 'commands/s',
    },
    {
      group: 'script',
      name: `run a ${name} printing every exchange (text transcript)`,
      ours: (COMMANDS * 1000) / ours,
      reference: 'bare transmit loop, same emulator',
      referenceValue: (COMMANDS * 1000) / reference,
      unit: 'commands/s',
      note: `run ${ours.toFixed(0)} ms; formats ${(outputBytes / rounds / 1024).toFixed(0)} KiB of text per run`,
    },
  ];
}
