import { SscardError } from '../src/errors.js';

/**
 * Where the emulator reports what it could not answer normally. Messages never contain command
 * data (PINs, keys, cryptograms): only command headers and error descriptions.
 */
export interface EmulatorLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const stderrLogger: EmulatorLogger = {
  warn(message) {
    process.stderr.write(`sscard emulator: warning: ${message}\n`);
  },
  error(message, error) {
    // Errors the emulator raises on purpose (a state file it cannot save) say all in their message.
    const detail =
      error instanceof SscardError
        ? `: ${error.message}`
        : error instanceof Error
          ? `\n${error.stack ?? error.message}`
          : error === undefined
            ? ''
            : ` ${String(error)}`;
    process.stderr.write(`sscard emulator: ${message}${detail}\n`);
  },
};

/** Collects messages, for tests. */
export function memoryLogger(): EmulatorLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m, e) => lines.push(`error: ${m}${e instanceof Error ? `: ${e.message}` : ''}`),
  };
}
