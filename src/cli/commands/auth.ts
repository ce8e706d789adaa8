import { SSSE_KEYS } from '../../applications/social-security/ssse-constants.js';
import { InputError } from '../../errors.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

type AuthOptions = CardTargetOptions & KeysOption & { json?: boolean };

export const registerAuth: RegisterCommand = (program, ctx) => {
  const auth = program.command('auth').description('authentication with the social security application (card-spec §6.10–6.11)');
  const sub = (name: string, description: string) =>
    addKeysOption(
      addSocialSecurityOptions(auth.command(name).description(description).option('--json', 'print JSON'), false),
      'holding the key',
    );

  sub('card', 'INTERNAL AUTHENTICATE with IRK: is this a genuine card of its issuer?').action(async (opts: AuthOptions) => {
    await withSocialSecurity(opts, async (s, target) => {
      await s.authenticateCard(await loadKeys(target, opts));
      if (opts.json) return writeJson(ctx, { genuine: true });
      ctx.io.stdout('card genuine: internal authentication with IRK passed\n');
    });
  });

  sub('external', `EXTERNAL AUTHENTICATE with a card key: ${Object.keys(SSSE_KEYS).join(', ')}`)
    .argument('<key>', 'the key by its specification name, e.g. RKSSSE')
    .action(async (key: string, opts: AuthOptions) => {
      const name = key.toUpperCase();
      if (!(name in SSSE_KEYS)) throw new InputError('key', `unknown key "${key}": one of ${Object.keys(SSSE_KEYS).join(', ')}`);
      await withSocialSecurity(opts, async (s, target) => {
        await s.externalAuthenticate(name as keyof typeof SSSE_KEYS, await loadKeys(target, opts));
        if (opts.json) return writeJson(ctx, { authenticated: name });
        ctx.io.stdout(`authenticated with ${name}\n`);
      });
    });
};
