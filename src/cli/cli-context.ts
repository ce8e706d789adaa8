import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** What every command file receives when it registers itself. */
export interface CliContext {
  io: CliIo;
}

/** Each file in `src/cli/commands/` exports one of these. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Writes a value as pretty JSON (byte arrays should already be hex strings). */
export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
