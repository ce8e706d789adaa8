import { formatYuan, parseYuan } from '../../bytes/amount.js';
import { toHex } from '../../bytes/hex.js';
import { CardError, InputError } from '../../errors.js';
import { addCardTargetOptions, type CardTarget, type CardTargetOptions, withCardTarget } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';

type BankOptions = CardTargetOptions & { json?: boolean };

// The PBOC application (and its crypto) loads when a bank command runs, not at every start-up.
const openBank = async (target: CardTarget) => {
  const { PbocSession } = await import('../../applications/pboc/pboc-session.js');
  return PbocSession.open(target.channel, { atr: target.atr, contactless: target.contactless });
};

/** The card declined a purchase (AAC): exit code 4 like any card refusal. */
class PaymentDeclinedError extends CardError {
  constructor(reasons: string[]) {
    super('EDECLINED', `the card declined the payment${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`);
  }
}

/** `sscard bank info|balance|log|pay`: the financial (UnionPay PBOC / qPBOC) application. */
export const registerBank: RegisterCommand = (program, ctx) => {
  const bank = program.command('bank').description('financial application (UnionPay debit, electronic cash, qPBOC)');

  addCardTargetOptions(
    bank
      .command('info')
      .description('card number (masked), expiry, name; starts a transaction, which counts in the ATC')
      .option('--unmasked', 'show the whole card number')
      .option('--json', 'print JSON'),
  ).action(async (opts: BankOptions & { unmasked?: boolean }) => {
    const info = await withCardTarget(opts, async (target) => (await openBank(target)).readCardInfo({ unmasked: opts.unmasked === true }));
    if (opts.json) return writeJson(ctx, info);
    const rows: Array<[string, string | number | undefined]> = [
      ['Application', `${info.label ?? ''} (${info.aid})`.trim()],
      ['Card number', info.pan],
      ['PAN sequence', info.panSequenceNumber],
      ['Cardholder', info.cardholderName],
      ['Valid from', info.effectiveDate],
      ['Expires', info.expiryDate],
    ];
    ctx.io.stdout(table(rows));
  });

  addCardTargetOptions(bank.command('balance').description('electronic cash balance and limits').option('--json', 'print JSON')).action(
    async (opts: BankOptions) => {
      const ec = await withCardTarget(opts, async (target) => (await openBank(target)).readElectronicCash());
      if (opts.json) return writeJson(ctx, ec);
      ctx.io.stdout(
        table([
          ['Balance', `${formatYuan(ec.balanceFen)} yuan`],
          ['Balance limit', ec.balanceLimitFen === undefined ? undefined : `${formatYuan(ec.balanceLimitFen)} yuan`],
          ['No-PIN limit', ec.singleTransactionLimitFen === undefined ? undefined : `${formatYuan(ec.singleTransactionLimitFen)} yuan`],
        ]),
      );
    },
  );

  addCardTargetOptions(bank.command('log').description('transaction log (most recent first)').option('--json', 'print JSON')).action(
    async (opts: BankOptions) => {
      const log = await withCardTarget(opts, async (target) => (await openBank(target)).readTransactionLog());
      if (opts.json) return writeJson(ctx, log);
      if (log.length === 0) return ctx.io.stdout('no transactions in the log\n');
      for (const e of log) {
        const amount = e.amountFen === undefined ? '' : `${formatYuan(e.amountFen).padStart(10)} yuan`;
        const when = [e.date, e.time].filter(Boolean).join(' ');
        ctx.io.stdout(`${when.padEnd(19)} ${amount}  ATC ${e.atc ?? '-'}${e.merchantName ? `  ${e.merchantName}` : ''}\n`);
      }
    },
  );

  addCardTargetOptions(
    bank
      .command('pay')
      .description('TEST TERMINALS: qPBOC electronic-cash purchase on the contactless interface (debits the card)')
      .argument('<yuan>', 'amount in yuan, e.g. 12.34')
      .option('--yes', 'really debit the card')
      .option('--json', 'print JSON'),
  ).action(async (yuan: string, opts: BankOptions & { yes?: boolean }) => {
    const amountFen = parseYuan(yuan);
    if (!opts.yes) throw new InputError('yes', `this debits ${formatYuan(amountFen)} yuan from the card's electronic cash: add --yes`);
    const result = await withCardTarget(opts, async (target) => {
      if (!target.contactless)
        throw new InputError(
          'contactless',
          'qPBOC runs on the contactless interface: use a contactless reader (or --emulator --contactless)',
        );
      return (await openBank(target)).quickPay(amountFen);
    });
    if (opts.json) {
      writeJson(ctx, {
        approved: result.approved,
        amountFen: result.amountFen,
        cryptogramType: result.type,
        cryptogram: toHex(result.cryptogram),
        atc: result.atc,
        balanceAfterFen: result.balanceAfterFen,
        declineReasons: result.declineReasons,
      });
    } else if (result.approved) {
      ctx.io.stdout(
        `approved: ${formatYuan(amountFen)} yuan (TC ${toHex(result.cryptogram)}, ATC ${result.atc})` +
          `${result.balanceAfterFen === undefined ? '' : `; balance ${formatYuan(result.balanceAfterFen)} yuan`}\n`,
      );
    }
    if (!result.approved) throw new PaymentDeclinedError(result.declineReasons);
  });
};

function table(rows: Array<[string, string | number | undefined]>): string {
  return rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k.padEnd(14)}${v}\n`)
    .join('');
}
