import type { SocialSecuritySession } from '../../applications/social-security/social-security-session.js';
import { InputError } from '../../errors.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { type PinOptions, readPins } from '../secret-input.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

type PinCommandOptions = CardTargetOptions & PinOptions & KeysOption & { json?: boolean };

export const registerPin: RegisterCommand = (program, ctx) => {
  const pin = program
    .command('pin')
    .description('the social security PIN: verify, status, change (cardholder), reload and unblock (issuer)');

  const sub = (name: string, description: string, withPin: boolean) =>
    addSocialSecurityOptions(pin.command(name).description(description).option('--json', 'print JSON'), withPin);

  const report = (opts: PinCommandOptions, result: Record<string, unknown>, text: string) => {
    if (opts.json) writeJson(ctx, result);
    else ctx.io.stdout(`${text}\n`);
  };

  sub('verify', 'check the cardholder PIN (4–12 digits; a wrong PIN costs a try)', true).action(async (opts: PinCommandOptions) => {
    const [value] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s) => {
      await s.verifyPin(value!);
      report(opts, { verified: true }, 'PIN correct');
    });
  });

  sub('status', 'how many PIN tries are left (asks without spending one)', false).action(async (opts: PinCommandOptions) => {
    await withSocialSecurity(opts, async (s) => {
      const left = await s.pinTriesLeft();
      report(
        opts,
        { triesLeft: left, blocked: left === 0 },
        left === 0 ? 'PIN blocked: an issuer must unblock it' : `${left} PIN tries left`,
      );
    });
  });

  sub('change', 'the cardholder changes the PIN (old PIN, then new PIN)', true).action(async (opts: PinCommandOptions) => {
    const [oldPin, newPin, again] = await readPins(ctx.io, opts, ['old PIN', 'new PIN', 'new PIN again']);
    if (newPin !== again) throw mismatch();
    await withSocialSecurity(opts, async (s) => {
      await s.changePin(oldPin!, newPin!);
      report(opts, { changed: true }, 'PIN changed');
    });
  });

  addKeysOption(
    sub('reload', 'issuer: a new PIN and a full try counter (PUK, then 84 24 00 01 under STK)', true),
    'holding PUK and STK',
  ).action(async (opts: PinCommandOptions) => {
    const [newPin, again] = await readPins(ctx.io, opts, ['new PIN', 'new PIN again']);
    if (newPin !== again) throw mismatch();
    await withSocialSecurity(opts, async (s, target) => {
      await s.reloadPin(newPin!, await loadKeys(target, opts));
      report(opts, { reloaded: true }, 'PIN reloaded');
    });
  });

  addKeysOption(
    sub('unblock', 'issuer: reset the try counter of a blocked PIN (PUK, then 84 24 00 00 under STK)', false),
    'holding PUK and STK',
  ).action(async (opts: PinCommandOptions) => {
    await withSocialSecurity(opts, async (s: SocialSecuritySession, target) => {
      await s.unblockPin(await loadKeys(target, opts));
      const left = await s.pinTriesLeft();
      report(opts, { unblocked: true, triesLeft: left }, `PIN unblocked: ${left} tries`);
    });
  });
};

function mismatch(): InputError {
  return new InputError('pin', 'the two new PINs differ');
}
