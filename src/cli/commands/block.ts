import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

type BlockOptions = CardTargetOptions & KeysOption & { json?: boolean; yes?: boolean };

export const registerBlock: RegisterCommand = (program, ctx) => {
  const block = program
    .command('block')
    .description('issuer: block the social security application or the whole card, for good (there is no unblock)');
  const sub = (name: string, description: string) =>
    addKeysOption(
      addSocialSecurityOptions(
        block.command(name).description(description).option('--json', 'print JSON').option('--yes', 'do not ask for confirmation'),
        false,
      ),
      'holding BK and STK',
    );

  sub('application', 'APPLICATION BLOCK: SSSE answers 9303 from then on').action(async (opts: BlockOptions) => {
    await confirm(ctx, opts, 'block the social security application for good');
    await withSocialSecurity(opts, async (s, target) => {
      await s.blockApplication(await loadKeys(target, opts));
      if (opts.json) return writeJson(ctx, { blocked: 'application' });
      ctx.io.stdout('social security application blocked for good\n');
    });
  });

  sub('card', 'CARD BLOCK: every command answers 6A81 from then on').action(async (opts: BlockOptions) => {
    await confirm(ctx, opts, 'block the whole card for good');
    await withSocialSecurity(opts, async (s, target) => {
      await s.blockCard(await loadKeys(target, opts));
      if (opts.json) return writeJson(ctx, { blocked: 'card' });
      ctx.io.stdout('card blocked for good\n');
    });
  });
};
