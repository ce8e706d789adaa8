// Issue 8: `sscard --help` start-up time against `node -e 0` (the floor of any Node CLI),
// measured in the same run, alternating, best of several runs each.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-types.js';

const BIN = fileURLToPath(new URL('../bin/sscard.js', import.meta.url));
const RUNS = 10;

function timeOnce(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export default async function (): Promise<BenchRow[]> {
  const sscard: number[] = [];
  const node: number[] = [];
  timeOnce([BIN, '--help']); // file cache warm
  for (let i = 0; i < RUNS; i++) {
    sscard.push(timeOnce([BIN, '--help']));
    node.push(timeOnce(['-e', '0']));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ours = median(sscard);
  const floor = median(node);
  return [
    {
      group: 'cli',
      name: 'sscard --help start-up (median of 10)',
      // Rate = starts per second, so the ratio reads like the others (higher is better).
      ours: 1000 / ours,
      reference: 'node -e 0',
      referenceValue: 1000 / floor,
      unit: 'starts/s',
      note: `${ours.toFixed(0)} ms vs ${floor.toFixed(0)} ms`,
    },
  ];
}
