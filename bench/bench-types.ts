/** One line of the benchmark table: our figure beside a reference measured in the same run. */
export interface BenchRow {
  group: string;
  name: string;
  /** Operations per second (or another rate; `unit` says which). */
  ours: number;
  reference: string;
  referenceValue: number;
  unit: string;
  /** The ratio ours/reference we aim for (higher is better), if the issue set one. */
  target?: number;
  /** `ours` is a cost (a delay): the ratio is then reference/ours, still higher is better. */
  lowerIsBetter?: boolean;
  note?: string;
}

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export async function measure(fn: () => unknown | Promise<unknown>, ms = 1000, batch = 1): Promise<number> {
  // Warm-up lets the JIT settle before counting.
  const warmEnd = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) await fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) await fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/** Same as measure, for synchronous functions, without the await overhead. */
export function measureSync(fn: () => unknown, ms = 1000, batch = 100): number {
  const warmEnd = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}
