import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CRASH_AT_ENV } from '../../emulator/index.js';

const RUNNER = fileURLToPath(new URL('../emulator/run-card.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a card from `profile` and its state file in a child process (test/emulator/run-card.ts),
 * sending `apdus` in hex; with `crashAt`, the process SIGKILLs itself at that named write point.
 * Returns how it ended and one answer per line.
 */
export function runCardProcess(profile: string, state: string, apdus: string[], options: { crashAt?: string; contactless?: boolean } = {}) {
  const env = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (options.crashAt !== undefined) env[CRASH_AT_ENV] = options.crashAt;
  const args = ['--import', 'tsx', RUNNER, profile, state, ...(options.contactless ? ['--contactless'] : []), ...apdus];
  const r = spawnSync(process.execPath, args, { cwd: REPO, env, encoding: 'utf8' });
  return { signal: r.signal, status: r.status, lines: r.stdout.trim().split('\n').filter(Boolean), stderr: r.stderr };
}
