/**
 * Resolves on SIGINT or SIGTERM (or after `seconds`, when given), then removes its handlers so
 * that the process behaves normally again. Long-running commands (watch, emulate) await this
 * instead of calling process.exit, so they can clean up and save state.
 */
export function waitForStop(seconds?: number): Promise<'signal' | 'timer'> {
  return new Promise((resolve) => {
    const finish = (why: 'signal' | 'timer'): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onSignal = (): void => finish('signal');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = seconds === undefined ? undefined : setTimeout(() => finish('timer'), seconds * 1000);
  });
}
