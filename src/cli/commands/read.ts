import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { type PinOptions, readPins } from '../secret-input.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, optionalKeys, withSocialSecurity } from '../social-security-target.js';

type ReadOptions = CardTargetOptions & PinOptions & KeysOption & { json?: boolean; auth?: string };

export const registerRead: RegisterCommand = (program, ctx) => {
  addKeysOption(
    addSocialSecurityOptions(
      program
        .command('read')
        .description(
          'read items by file address (card-spec §10.3), e.g. "SSSEEF05|01|07|$DF01EF15|2A|40:2|$": per file its access rule — the PIN (--pin/--pin-stdin), the file\'s RK key (--keys), or both for "PIN & RK" files; values in hex',
        )
        .argument(
          '<address>',
          'file address: SSSE|DFxx + EF id, then tags (tag:n = n-th record, :n in cyclic files), "|" between, "$" after each file',
        )
        .option('--auth <pin|key>', 'for "PIN or RK" files when both are given: which one to use', 'pin')
        .option('--json', 'print JSON'),
      true,
    ),
    'holding the RK keys',
  ).action(async (address: string, opts: ReadOptions) => {
    const { formatFileItems } = await import('../../applications/social-security/file-items.js');
    const pin = opts.pinStdin || opts.pin !== undefined ? (await readPins(ctx.io, opts, ['PIN']))[0] : undefined;
    await withSocialSecurity(opts, async (s, target) => {
      const keys = await optionalKeys(target, opts);
      const files = await s.readItems(address, { pin, keys, prefer: opts.auth === 'key' ? 'key' : 'pin' });
      if (opts.json) {
        return writeJson(
          ctx,
          files.map((f) => ({
            file: f.file,
            items: f.items.map((i) => ({ item: i.address, value: Buffer.from(i.value).toString('hex').toUpperCase() })),
          })),
        );
      }
      ctx.io.stdout(`${formatFileItems(files)}\n`);
    });
  });
};
