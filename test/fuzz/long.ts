/**
 * The long fuzz campaign: `npm run fuzz` (≥ 1,000,000 commands). Options:
 *   --commands N   (default 1,000,000)   --seed S (default: time-based, printed)
 *   --files        keep card state in files (slower: one fsync per state write)
 * Prints the count of commands and invariant checks; exit code 1 on any failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from './campaign.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const commands = Number(option('commands') ?? 1_000_000);
const seed = Number(option('seed') ?? Date.now() % 2 ** 31);
const files = process.argv.includes('--files');
const stateDir = files ? mkdtempSync(join(tmpdir(), 'sscard-fuzz-')) : undefined;

console.log(`sscard fuzz: ${commands.toLocaleString('en')} commands, seed ${seed}${files ? ', state in files' : ''}`);
const result = runCampaign({
  commands,
  seed,
  stateDir,
  reloadEvery: files ? 100 : 1000,
  onProgress: (done, checks) => console.log(`  ${done.toLocaleString('en')} commands, ${checks.toLocaleString('en')} checks`),
});
if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });

const seconds = result.elapsedMs / 1000;
console.log(
  `commands sent:          ${result.commands.toLocaleString('en')} (${Math.round(result.commands / seconds).toLocaleString('en')}/s)`,
);
console.log(`invariant checks:       ${result.checks.toLocaleString('en')}`);
console.log(`state reloads compared: ${result.reloads.toLocaleString('en')}`);
console.log(`restarts / power cycles: ${result.restarts.toLocaleString('en')} / ${result.powerCycles.toLocaleString('en')}`);
const t = result.transactions;
console.log(
  `valid money movements:  ${t.medicalTransactions} medical loads and purchases, ${t.loads} purse loads, ${t.purchases} purse purchases, ${t.ecPurchases} EC purchases`,
);
console.log(`operations:             ${JSON.stringify(result.operations)}`);
console.log(`random generators:      ${JSON.stringify(result.generators)}`);
console.log(`distinct status words:  ${Object.keys(result.statusWords).length}; 6F00: ${result.statusWords['6F00'] ?? 0}`);
if (result.failures.length > 0) {
  console.log(`FAILED (${result.failures.length}):`);
  for (const f of result.failures) {
    console.log(
      `  seed ${f.seed} ${f.world} #${f.commandIndex}: ${f.message}\n    ${f.command} → ${f.response}\n    recent:\n      ${f.recent.join('\n      ')}`,
    );
  }
  process.exitCode = 1;
} else {
  console.log(`time ${seconds.toFixed(1)} s — no invariant broken`);
}
