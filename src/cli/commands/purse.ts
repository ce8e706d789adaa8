import type { Command } from 'commander';
import type { PurseTerminal } from '../../applications/purse/purse-types.js';
import type { TransportPurseSession } from '../../applications/purse/transport-purse-session.js';
import { formatYuan, parseYuan } from '../../bytes/amount.js';
import { InputError } from '../../errors.js';
import { addCardTargetOptions, type CardTarget, type CardTargetOptions, withCardTarget } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { keyFilePath } from '../social-security-target.js';

type PurseOptions = CardTargetOptions & {
  json?: boolean;
  keys?: string;
  terminal?: string;
  seq?: string;
  keyIndex?: string;
  yes?: boolean;
};

/** `sscard purse balance|log|trips|load|purchase`: the transport e-purse (no PIN; card-facts §8). */
export const registerPurse: RegisterCommand = (program, ctx) => {
  const purse = program.command('purse').description('transport e-purse: balance, transactions, metro trips, load and purchase');
  const sub = (name: string, description: string): Command =>
    addCardTargetOptions(purse.command(name).description(description).option('--json', 'print JSON'));
  const withPurse = <T>(opts: PurseOptions, body: (s: TransportPurseSession, target: CardTarget) => Promise<T>) =>
    withCardTarget(opts, async (target) => {
      // The purse application and its keys load when a purse command runs, not at every start-up.
      const { TransportPurseSession } = await import('../../applications/purse/transport-purse-session.js');
      return body(await TransportPurseSession.open(target.channel), target);
    });
  const purseKeys = async (target: CardTarget, option: string | undefined) => {
    const file = keyFilePath(target, option);
    if (file === undefined) throw new InputError('keys', 'loads and purchases need the purse keys: give --keys FILE');
    return (await import('../../applications/purse/purse-keys.js')).SoftwarePurseSam.fromFile(file);
  };

  sub('balance', 'the purse balance and the card information').action(async (opts: PurseOptions) => {
    await withPurse(opts, async (s) => {
      const balance = await s.readBalance();
      const info = await s.readCardInfo();
      if (opts.json) return writeJson(ctx, { balanceFen: balance.fen, balanceYuan: balance.yuan, card: info });
      ctx.io.stdout(
        `Balance      ${balance.yuan} yuan\nCard number  ${info.cardNumber}\nValid        ${info.validFrom} to ${info.validUntil}\n`,
      );
    });
  });

  sub('log', 'transaction details, most recent first (at most 10)').action(async (opts: PurseOptions) => {
    await withPurse(opts, async (s) => {
      const log = await s.readTransactions();
      if (opts.json) return writeJson(ctx, log);
      if (log.length === 0) return ctx.io.stdout('no transactions\n');
      for (const t of log) {
        const sign = t.kind.endsWith('load') ? '+' : '-';
        ctx.io.stdout(
          `ATC ${String(t.atc).padStart(5)}  ${t.dateTime}  ${t.kind.padEnd(17)} ${sign}${t.amountYuan.padStart(9)}  terminal ${t.terminalId}\n`,
        );
      }
    });
  });

  sub('trips', 'metro trip records, most recent first (at most 30)').action(async (opts: PurseOptions) => {
    await withPurse(opts, async (s) => {
      const trips = await s.readTrips();
      if (opts.json) return writeJson(ctx, trips);
      if (trips.length === 0) return ctx.io.stdout('no trips\n');
      for (const t of trips) {
        ctx.io.stdout(
          `${t.dateTime}  ${t.kind.padEnd(5)}  station ${t.station}  fare ${formatYuan(t.amountFen).padStart(7)}  balance ${formatYuan(t.balanceAfterFen)}\n`,
        );
      }
    });
  });

  const money = (name: string, description: string) =>
    sub(name, description)
      .argument('<amount>', 'amount in yuan, e.g. 20 or 12.50')
      .option('--keys <file>', 'key file with the purse keys; "sample" = the emulated card\'s test keys (the default with --emulator)')
      .option('--terminal <id>', 'terminal id, 6 bytes in hex (12 digits)', '000000000001')
      .option('--key-index <n>', 'key index the card selects its keys by', '1')
      .option('--yes', 'do not ask for confirmation');

  money('load', 'load (recharge) the purse; the card refuses to go past 1000 yuan').action(
    async (amountText: string, opts: PurseOptions) => {
      const amountFen = parseYuan(amountText);
      await confirm(ctx, opts, `load ${formatYuan(amountFen)} yuan onto the purse`);
      await withPurse(opts, async (s, target) => {
        const r = await s.load(amountFen, terminal(opts), await purseKeys(target, opts.keys));
        if (opts.json) return writeJson(ctx, r);
        ctx.io.stdout(
          `Loaded ${formatYuan(amountFen)} yuan; balance ${formatYuan(r.balanceAfterFen)} yuan (online ATC ${r.onlineAtc}, TAC ${r.tac}${r.tacVerified ? ' verified' : ''})\n`,
        );
      });
    },
  );

  money('purchase', 'pay from the purse')
    .option('--seq <n>', 'terminal transaction sequence number', '1')
    .action(async (amountText: string, opts: PurseOptions) => {
      const amountFen = parseYuan(amountText);
      await confirm(ctx, opts, `pay ${formatYuan(amountFen)} yuan from the purse`);
      await withPurse(opts, async (s, target) => {
        const r = await s.purchase(amountFen, terminal(opts), await purseKeys(target, opts.keys));
        if (opts.json) return writeJson(ctx, r);
        ctx.io.stdout(
          `Paid ${formatYuan(amountFen)} yuan; balance ${formatYuan(r.balanceAfterFen)} yuan (offline ATC ${r.offlineAtc}, TAC ${r.tac}${r.tacVerified ? ' verified' : ''})\n`,
        );
      });
    });
};

function terminal(opts: PurseOptions): PurseTerminal {
  const keyIndex = Number(opts.keyIndex ?? '1');
  const seq = Number(opts.seq ?? '1');
  if (!Number.isInteger(seq) || seq < 0) throw new InputError('seq', `--seq must be a non-negative integer, got "${opts.seq}"`);
  return { terminalId: opts.terminal ?? '000000000001', keyIndex, transactionSeq: seq };
}
