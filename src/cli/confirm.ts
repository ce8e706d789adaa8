import { InputError } from '../errors.js';
import type { CliContext } from './cli-context.js';

/** Asks "<what>? type yes" before an operation that changes the card for good; `--yes` skips it. */
export async function confirm(ctx: CliContext, opts: { yes?: boolean }, what: string): Promise<void> {
  if (opts.yes) return;
  if (!ctx.io.promptSecret) throw new InputError('yes', `to ${what}, add --yes (no terminal to confirm on)`);
  const answer = await ctx.io.promptSecret(`${what}? type yes: `);
  if (answer.trim().toLowerCase() !== 'yes') throw new InputError('yes', 'not confirmed; nothing was sent');
}
