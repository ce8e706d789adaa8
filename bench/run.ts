// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints
// each figure beside its same-run reference as a ratio.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './bench-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<BenchRow[]> };
  process.stderr.write(`running ${file}…\n`);
  try {
    const got = await mod.default();
    rows.push(...got);
    for (const r of got) process.stderr.write(`  ${formatRow(r)}\n`);
  } catch (error) {
    process.stderr.write(`  ${file} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}
function ratioOf(r: BenchRow): number {
  return r.lowerIsBetter ? r.referenceValue / r.ours : r.ours / r.referenceValue;
}
function formatRow(r: BenchRow): string {
  const ratio = ratioOf(r);
  const verdict = r.target === undefined ? '' : ratio >= r.target ? ' (target met)' : ` (target ${r.target}× missed)`;
  return `${r.group} | ${r.name} | ${fmt(r.ours)} ${r.unit} | ${r.reference}: ${fmt(r.referenceValue)} ${r.unit} | ${ratio.toFixed(2)}×${verdict}${r.note ? ` (${r.note})` : ''}`;
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
let table = `Machine: ${machine}\n\n| group | benchmark | ours | reference | reference value | ratio (ours/ref) | target |\n|---|---|---|---|---|---|---|\n`;
for (const r of rows) {
  const ratio = ratioOf(r);
  table += `| ${r.group} | ${r.name} | ${fmt(r.ours)} ${r.unit} | ${r.reference} | ${fmt(r.referenceValue)} ${r.unit} | ${ratio.toFixed(2)}× | ${r.target === undefined ? '' : `≥ ${r.target}× ${ratio >= r.target ? 'met' : 'missed'}`} |\n`;
}
process.stdout.write(table);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.md'), table);
