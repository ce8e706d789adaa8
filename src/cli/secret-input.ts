import { SscardError } from '../errors.js';
import type { CliIo } from './io.js';

export interface PinOptions {
  pin?: string;
  pinStdin?: boolean;
}

/**
 * Collects PINs: from `--pin-stdin` (one per line, for scripts), from `--pin` (discouraged: it
 * shows in the process list), or from a prompt without echo on a terminal.
 */
export async function readPins(io: CliIo, options: PinOptions, prompts: string[]): Promise<string[]> {
  if (options.pinStdin) {
    const lines = (await io.readStdin()).split(/\r?\n/).map((l) => l.trim());
    const pins = lines.slice(0, prompts.length);
    if (pins.length < prompts.length || pins.some((p) => p === '')) {
      throw new SscardError('EINPUT', `--pin-stdin expects ${prompts.length} line(s) on standard input: ${prompts.join(', ')}`);
    }
    return pins;
  }
  if (options.pin !== undefined && prompts.length === 1) return [options.pin];
  if (!io.promptSecret) {
    throw new SscardError('EINPUT', 'no terminal to ask for the PIN: pass it on standard input with --pin-stdin');
  }
  const out: string[] = [];
  for (const p of prompts) out.push(await io.promptSecret(`${p}: `));
  return out;
}
