import { parseHex } from '../../bytes/hex.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { type PinOptions, readPins } from '../secret-input.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

type WriteOptions = CardTargetOptions & PinOptions & KeysOption & { json?: boolean; yes?: boolean };

export const registerWrite: RegisterCommand = (program, ctx) => {
  addKeysOption(
    addSocialSecurityOptions(
      program
        .command('write')
        .description(
          "write items by file address (card-spec §10.3) after external authentication with each file's UK key: one hex value per item (the record content without tag and length), a new record per value in a cyclic file, the whole content of a transparent file",
        )
        .argument('<address>', 'file address, as for `sscard read`')
        .argument('<values...>', 'values in hex, one per item in the order of the address')
        .option('--yes', 'do not ask for confirmation')
        .option('--json', 'print JSON'),
      true,
    ),
    'holding the UK keys',
  ).action(async (address: string, valueTexts: string[], opts: WriteOptions) => {
    const values = valueTexts.map((v) => parseHex(v, 'value'));
    await confirm(ctx, opts, `write ${values.length} value(s) to ${address}`);
    const pin = opts.pinStdin || opts.pin !== undefined ? (await readPins(ctx.io, opts, ['PIN']))[0] : undefined;
    await withSocialSecurity(opts, async (s, target) => {
      await s.writeItems(address, values, { keys: await loadKeys(target, opts), pin });
      if (opts.json) return writeJson(ctx, { address, values: values.length });
      ctx.io.stdout(`wrote ${values.length} value(s) to ${address}\n`);
    });
  });
};
