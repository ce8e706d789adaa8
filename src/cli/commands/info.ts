import { toHex } from '../../bytes/hex.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, optionalKeys, withSocialSecurity } from '../social-security-target.js';

type InfoOptions = CardTargetOptions & KeysOption & { bas?: boolean; json?: boolean; terminalNumber?: string; deviceNumber?: string };

export const registerInfo: RegisterCommand = (program, ctx) => {
  const command = program
    .command('info')
    .description(
      'read a social security card: card data and cardholder (what an outlet kiosk shows); with keys the card is authenticated first',
    )
    .option(
      '--bas',
      'print the iReadCardBas line instead (11 fields: region|ssn|card number|identifier|name|historical bytes|version|issued|expires|terminal|device|)',
    )
    .option('--terminal-number <digits>', 'terminal number for --bas (default 12 zeros: no PSAM)')
    .option('--device-number <text>', 'terminal device number for --bas')
    .option('--json', 'print JSON');
  addKeysOption(addSocialSecurityOptions(command, false), 'to authenticate the card (IRK) and read EF06 on 3.00 cards (RKSSSE)').action(
    async (opts: InfoOptions) => {
      await withSocialSecurity(opts, async (session, target) => {
        const keys = await optionalKeys(target, opts);
        if (opts.bas) {
          const line = await session.readCardBas({
            ...(keys ? { keys } : {}),
            ...(opts.terminalNumber ? { terminalNumber: opts.terminalNumber } : {}),
            ...(opts.deviceNumber ? { deviceNumber: opts.deviceNumber } : {}),
          });
          if (opts.json) return writeJson(ctx, { bas: line });
          ctx.io.stdout(`${line}\n`);
          return;
        }
        if (keys) await session.authenticateCard(keys);
        const card = await session.readCardData();
        const locked = (await session.cardholderNeedsKey()) && !keys;
        if (!locked && keys && (await session.cardholderNeedsKey())) await session.externalAuthenticate('RKSSSE', keys);
        const holder = locked ? undefined : await session.readCardholder();
        const authentication = keys ? 'genuine (internal authentication with IRK passed)' : 'not checked (no keys)';
        if (opts.json) {
          return writeJson(ctx, {
            reader: target.label,
            atr: toHex(target.atr),
            authenticated: keys !== undefined,
            card,
            cardholder: holder ?? null,
            ...(locked ? { needsKeys: ['RKSSSE: EF06 (cardholder) on a 3.00 card'] } : {}),
          });
        }
        const rows: Array<[string, string]> = [
          ['Reader', target.label],
          ['ATR', toHex(target.atr)],
          ['Card', authentication],
          ['Card number', card.cardNumber],
          ['Card identifier', `${card.cardIdentifier} (region ${card.regionCode})`],
          ['Spec version', `${card.specVersion} (card type ${card.cardType})`],
          ['Issued / expires', `${card.issueDate} / ${card.expiryDate}`],
          ['Issuing org', card.issuingOrg],
        ];
        if (holder) {
          rows.push(
            ['Name', holder.name],
            ['SSN', holder.ssn],
            ['Sex', holder.sex],
            ['Birth date', holder.birthDate],
            ['Ethnicity', holder.ethnicity],
            ['Birthplace', holder.birthplace],
          );
        } else {
          rows.push(['Cardholder', 'needs keys: EF06 is read after external authentication with RKSSSE on a 3.00 card (--keys)']);
        }
        const width = Math.max(...rows.map(([k]) => k.length));
        ctx.io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
      });
    },
  );
};
