import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { ScardLibrary } from '../../src/transport/pcsc/scard-library.js';

export const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';

/** True when something accepts connections on pcscd's socket (checked within 1 s). */
export function pcscdReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(PCSCD_SOCKET);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Decides whether a PC/SC integration file runs. Locally without pcscd it skips, loudly; in CI
 * (CI=true) a missing pcscd or PC/SC library is a failure, so that these tests cannot silently vanish.
 */
export async function pcscTestsEnabled(file: string): Promise<boolean> {
  const reachable = await pcscdReachable();
  let bindingProblem: string | undefined;
  try {
    new ScardLibrary();
  } catch (error) {
    bindingProblem = error instanceof Error ? error.message : String(error);
  }
  const problem = !reachable
    ? `pcscd is not reachable at ${PCSCD_SOCKET} (run scripts/pcsc-up.sh)`
    : bindingProblem && `the PC/SC library does not load through koffi: ${bindingProblem}`;
  if (!problem) return true;
  if (process.env.CI === 'true') throw new Error(`${file}: ${problem}; in CI the PC/SC tests must run`);
  const bar = '!'.repeat(100);
  process.stderr.write(`\n${bar}\n!! SKIPPING ${file}: ${problem}\n${bar}\n\n`);
  return false;
}

/**
 * Whether the running pcscd is the one scripts/pcsc-up.sh started (its pid file says so): tests
 * stop or restart only that one, never a pcscd someone else runs.
 */
export function pcscdStartedByScript(): boolean {
  const pidFile = `${process.env.SSCARD_PCSC_STATE ?? '/tmp/sscard-pcsc'}/pcscd.pid`;
  return existsSync(pidFile) && existsSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}`);
}
