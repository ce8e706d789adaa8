import { parseHex } from '../../bytes/hex.js';
import { parseTlv } from '../../bytes/tlv.js';
import type { TagContext } from '../../bytes/tlv-dictionary.js';
import { formatTlvTree, viewTlv } from '../../bytes/tlv-format.js';
import { InputError } from '../../errors.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';

const CONTEXTS: TagContext[] = ['emv', 'ssse', 'medical'];

export const registerTlv: RegisterCommand = (program, ctx) => {
  program
    .command('tlv')
    .description('decode BER-TLV data (FCI, records, GPO answers) into a named tree')
    .argument('<hex...>', 'the bytes in hex; spaces and colons allowed')
    .option('--dict <name>', `tag names to use: ${CONTEXTS.join(', ')}`, 'emv')
    .option('--json', 'print JSON')
    .action((parts: string[], opts: { dict: string; json?: boolean }) => {
      if (!CONTEXTS.includes(opts.dict as TagContext))
        throw new InputError('dict', `--dict must be one of ${CONTEXTS.join(', ')}, got "${opts.dict}"`);
      const objects = parseTlv(parseHex(parts.join(' '), 'TLV hex'));
      const context = opts.dict as TagContext;
      if (opts.json) return writeJson(ctx, viewTlv(objects, context));
      ctx.io.stdout(`${formatTlvTree(objects, context)}\n`);
    });
};
