// Issue 13: `sscard run --emulator --jobs N` spreads scripts over N emulated cards in worker
// threads. Commands per second of the whole CLI run (start-up included) for 1 and 2 jobs, output
// (the text transcript) read and dropped: four scripts of 25,000 record reads (the card does
// little, the main thread's report does most), and four of 5,000 SM2 signatures (the card works).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-types.js';

const BIN = fileURLToPath(new URL('../bin/sscard.js', import.meta.url));
const SCRIPTS = 4;
const COMMANDS = 25_000;

const SIGNATURES = 5_000;

function signScript(): string {
  return [
    't0 auto',
    '00 A4 04 00 0C 504B492EC9E7BBE1B1A3D5CF => * 9000',
    '00 A4 04 00 0C 53532E434552542E41444631 => * 9000',
    '00 84 00 00 10 => 9000',
    // A script expression, not a template string.
    '00 20 01 81 10 $' + '{sm4_ecb(pin_proof_key(123456), resp)} => 9000',
    `repeat ${SIGNATURES}`,
    `80 2A 9E 01 20 ${'00112233445566778899AABBCCDDEEFF'.repeat(2)} 00 => * 9000`,
    'end',
    '',
  ].join('\n');
}

function benchScript(): string {
  // SELECT without FCI (P2 0C), then record reads with the exact Le: one exchange per line.
  const lines = ['00 A4 04 0C 0F 7378312E73682EC9E7BBE1B1A3D5CF => 9000', '00 B2 01 2C 12 => 01 10 * 9000'];
  for (let i = 2; i < COMMANDS; i++) lines.push(i % 2 === 0 ? '00 B2 01 2C 12 => 01 10 * 9000' : '00 B2 03 2C 06 => 03 04 * 9000');
  return `${lines.join('\n')}\n`;
}

function runCli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`sscard run exited ${code}`))));
  });
}

async function compare(
  dir: string,
  stem: string,
  text: string,
  commands: number,
): Promise<{ one: number; two: number; rate: (ms: number) => number }> {
  const files = Array.from({ length: SCRIPTS }, (_, i) => join(dir, `${stem}${i}.script`));
  for (const f of files) writeFileSync(f, text);
  let one = Number.POSITIVE_INFINITY;
  let two = Number.POSITIVE_INFINITY;
  // Alternate, keep the best of each: the machine is shared.
  for (let round = 0; round < 3; round++) {
    one = Math.min(one, await runCli(['run', '--emulator', '--jobs', '1', ...files]));
    two = Math.min(two, await runCli(['run', '--emulator', '--jobs', '2', ...files]));
  }
  return { one, two, rate: (ms) => (SCRIPTS * commands * 1000) / ms };
}

export default async function (): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-bench-jobs-'));
  try {
    const reads = await compare(dir, 'reads', benchScript(), COMMANDS);
    // Each signature is a command and its GET RESPONSE (t0 auto).
    const signs = await compare(dir, 'sign', signScript(), 4 + 2 * SIGNATURES);
    const row = (what: string, r: typeof reads): BenchRow => ({
      group: 'script',
      name: `sscard run --emulator --jobs 2: ${what} on 2 emulated cards (worker threads), one merged text report`,
      ours: r.rate(r.two),
      reference: 'the same run with --jobs 1',
      referenceValue: r.rate(r.one),
      unit: 'commands/s',
      note: `jobs 1 ${r.one.toFixed(0)} ms, jobs 2 ${r.two.toFixed(0)} ms (whole process, start-up included)`,
    });
    return [
      row(`${SCRIPTS} scripts × ${COMMANDS.toLocaleString('en-US')} record reads`, reads),
      row(`${SCRIPTS} scripts × ${SIGNATURES.toLocaleString('en-US')} SM2 signatures`, signs),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
