import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CampaignResult, runCampaign } from './campaign.js';

/** The short campaign CI runs (the long one: `npm run fuzz`, test/fuzz/long.ts). */
function expectClean(result: CampaignResult): void {
  expect(result.failures, JSON.stringify(result.failures, null, 2)).toEqual([]);
}

describe('fuzz campaign (short mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('random, mutated and valid commands on every sample card: no invariant ever breaks', () => {
    let total = 0;
    let debits = 0;
    let loads = 0;
    let purchases = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const result = runCampaign({ commands: 5000, seed, segment: 2500, reloadEvery: 250 });
        expectClean(result);
        total += result.commands;
        debits += result.transactions.medicalTransactions;
        loads += result.transactions.loads;
        purchases += result.transactions.purchases;
      }),
      { numRuns: 5 },
    );
    expect(total).toBeGreaterThanOrEqual(25_000);
    // The valid paths really ran (not only refusals): money moved both ways.
    expect(debits).toBeGreaterThan(50);
    expect(loads).toBeGreaterThan(50);
    expect(purchases).toBeGreaterThan(50);
  });

  it('a fixed seed exercises every generator and every operation', () => {
    const result = runCampaign({ commands: 8000, seed: 20240901, segment: 2700, reloadEvery: 100 });
    expectClean(result);
    for (const g of ['bytes', 'header', 'bad-length', 'extended', 'chained', 'wrong-mac', 'mutate', 'get-response', 'records']) {
      expect(result.generators[g as keyof typeof result.generators], g).toBeGreaterThan(0);
    }
    expect(Object.keys(result.operations).length).toBe(17);
    expect(result.transactions.medicalTransactions).toBeGreaterThan(0);
    expect(result.transactions.ecPurchases).toBeGreaterThan(0);
    expect(result.restarts).toBeGreaterThan(0);
    // 6F00 comes only from GET RESPONSE with nothing waiting (P5 §6.6): the invariants reject any other.
  });

  it('with the state in files, the state file is reloaded and equal to the card every 50 commands', () => {
    const result = runCampaign({ commands: 1500, seed: 7, segment: 500, reloadEvery: 50, stateDir: dir });
    expectClean(result);
    expect(result.reloads).toBe(30);
    // Atomic writes leave no temp files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
