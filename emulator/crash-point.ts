/** Environment variable naming the write point at which the emulator kills itself (tearing tests). */
export const CRASH_AT_ENV = 'SSCARD_EMULATOR_CRASH_AT';

/**
 * Test hook: when SSCARD_EMULATOR_CRASH_AT equals `point`, the process dies with SIGKILL right
 * here, exactly as if the card had been pulled. Points: "state:temp-written" (temp file synced,
 * not yet renamed), "state:saved" (after any save) and the named commits of the handlers, e.g.
 * "verify:decremented", "verify:restored", "change-pin:decremented".
 */
export function crashPoint(point: string): void {
  if (process.env[CRASH_AT_ENV] === point) process.kill(process.pid, 'SIGKILL');
}
