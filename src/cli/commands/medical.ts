import { formatYuan, parseYuan } from '../../bytes/amount.js';
import { SscardError } from '../../errors.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { type PinOptions, readPins } from '../secret-input.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

type MedicalOptions = CardTargetOptions & PinOptions & KeysOption & { json?: boolean; terminal?: string; yes?: boolean };

export const registerMedical: RegisterCommand = (program, ctx) => {
  const medical = program
    .command('medical')
    .description('medical insurance (DF04): balance, offline debit, transaction log — needs the PIN');
  const sub = (name: string, description: string) =>
    addSocialSecurityOptions(medical.command(name).description(description).option('--json', 'print JSON'), true);

  sub('balance', 'the medical account: base data, balance and the offline settlement total').action(async (opts: MedicalOptions) => {
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s) => {
      const account = await (await s.openMedical(pin!)).readAccount();
      if (opts.json) return writeJson(ctx, { ...account, balanceYuan: formatYuan(account.balanceFen) });
      ctx.io.stdout(
        `Balance           ${formatYuan(account.balanceFen)} yuan\n` +
          `Settled offline   ${formatYuan(account.offlineSettledFen)} yuan\n` +
          `Insurance type    ${account.insuranceType}  region ${account.insuredRegion}  since ${account.insuredSince}\n` +
          `Personnel / state ${account.personnelCategory} / ${account.accountStatus}\n`,
      );
    });
  });

  addKeysOption(
    sub('debit', 'debit the medical account offline (amount in yuan, e.g. 12.50)')
      .argument('<amount>', 'amount in yuan')
      .requiredOption('--terminal <id>', 'terminal id, 6 bytes in hex (12 digits)')
      .option('--yes', 'do not ask for confirmation'),
    'holding DF04 key 84',
  ).action(async (amountText: string, opts: MedicalOptions) => {
    const amountFen = parseYuan(amountText);
    if (!opts.yes) {
      if (!ctx.io.promptSecret)
        throw new SscardError('EINPUT', `debiting ${formatYuan(amountFen)} yuan needs --yes (no terminal to confirm on)`);
      const answer = await ctx.io.promptSecret(`debit ${formatYuan(amountFen)} yuan? type yes: `);
      if (answer.trim().toLowerCase() !== 'yes') throw new SscardError('EINPUT', 'debit not confirmed; nothing was sent');
    }
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s, target) => {
      const keys = await loadKeys(target, opts.keys);
      const result = await (await s.openMedical(pin!)).debit(amountFen, { terminalId: opts.terminal ?? '', keys });
      if (opts.json) return writeJson(ctx, { amountFen, ...result });
      ctx.io.stdout(
        `Debited ${formatYuan(amountFen)} yuan; balance ${formatYuan(result.balanceAfterFen)} yuan (transaction ${result.seq})\n`,
      );
    });
  });

  sub('log', 'the medical transaction log, most recent first').action(async (opts: MedicalOptions) => {
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s) => {
      const log = await (await s.openMedical(pin!)).readTransactions();
      if (opts.json) return writeJson(ctx, log);
      if (log.length === 0) return ctx.io.stdout('no transactions\n');
      for (const t of log) {
        ctx.io.stdout(
          `#${t.seq}  ${t.time}  ${t.type}  ${formatYuan(t.amountFen).padStart(10)}  balance ${formatYuan(t.balanceAfterFen)}  terminal ${t.terminalId}\n`,
        );
      }
    });
  });
};
