import { decodeAtr } from '../../apdu/atr.js';
import { toHex } from '../../bytes/hex.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { addSocialSecurityOptions, withSocialSecurity } from '../social-security-target.js';

export const registerInfo: RegisterCommand = (program, ctx) => {
  const command = program
    .command('info')
    .description('read a social security card: card data and cardholder (what an outlet kiosk shows)')
    .option(
      '--bas',
      "print the ministry's iReadCardBas line instead (region|ssn|card number|identifier|name|ATR hist|version|issued|expires|)",
    )
    .option('--json', 'print JSON');
  addSocialSecurityOptions(command, false).action(async (opts: CardTargetOptions & { bas?: boolean; json?: boolean }) => {
    await withSocialSecurity(opts, async (session, target) => {
      const historical = decodeAtr(target.atr).historicalBytes;
      if (opts.bas) {
        const line = await session.readCardBas(historical);
        if (opts.json) return writeJson(ctx, { bas: line });
        ctx.io.stdout(`${line}\n`);
        return;
      }
      const card = await session.readCardData();
      const holder = await session.readCardholder();
      if (opts.json) return writeJson(ctx, { reader: target.label, atr: toHex(target.atr), card, cardholder: holder });
      const rows: Array<[string, string]> = [
        ['Reader', target.label],
        ['ATR', toHex(target.atr)],
        ['Card number', card.cardNumber],
        ['Card identifier', `${card.cardIdentifier} (region ${card.regionCode})`],
        ['Spec version', `${card.specVersion} (card type ${card.cardType})`],
        ['Issued / expires', `${card.issueDate} / ${card.expiryDate}`],
        ['Issuing org', card.issuingOrg],
        ['Name', holder.name],
        ['SSN', holder.ssn],
        ['Sex', holder.sex],
        ['Birth date', holder.birthDate],
        ['Ethnicity', holder.ethnicity],
        ['Birthplace', holder.birthplace],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      ctx.io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    });
  });
};
