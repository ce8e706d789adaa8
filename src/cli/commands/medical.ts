import { formatYuan, parseYuan } from '../../bytes/amount.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import { InputError, SscardError } from '../../errors.js';
import type { CardTarget, CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { type PinOptions, readPins } from '../secret-input.js';
import {
  addKeysOption,
  addSocialSecurityOptions,
  type KeysOption,
  keyFilePath,
  psamFor,
  withSocialSecurity,
} from '../social-security-target.js';

type MedicalOptions = CardTargetOptions &
  PinOptions &
  KeysOption & { json?: boolean; terminal?: string; yes?: boolean; selfPay?: string; pooling?: string };

const DEFAULT_TERMINAL = '000000000001';

export const registerMedical: RegisterCommand = (program, ctx) => {
  const medical = program
    .command('medical')
    .description('medical insurance (DF04): base data and balances, purchase, load, transaction proof, log — needs the PIN');
  const sub = (name: string, description: string) =>
    addSocialSecurityOptions(medical.command(name).description(description).option('--json', 'print JSON'), true);

  sub('balance', 'base data (EF05) and GET BALANCE: account balance, annual self-pay and pooling totals').action(
    async (opts: MedicalOptions) => {
      const [pin] = await readPins(ctx.io, opts, ['PIN']);
      await withSocialSecurity(opts, async (s) => {
        const session = await s.openMedical(pin!);
        const account = await session.readAccount();
        const balances = await session.balances();
        if (opts.json) return writeJson(ctx, { ...account, ...balances, balanceYuan: formatYuan(balances.accountFen) });
        ctx.io.stdout(
          `Balance           ${formatYuan(balances.accountFen)} yuan\n` +
            `Year ${String(balances.paymentYear).padEnd(12)} self-pay ${formatYuan(balances.selfPayFen)} yuan, pooling fund ${formatYuan(balances.poolingFen)} yuan\n` +
            `Insurance type    ${account.insuranceType}  region ${account.insuredRegion}  category ${account.insuredCategory}  since ${account.accountOpened}\n` +
            `Card use mode     ${account.cardUseMode}\n`,
        );
      });
    },
  );

  addKeysOption(
    sub('purchase', 'pay from the medical account (amount in yuan, e.g. 12.34) with the B0 purchase commands')
      .argument('<amount>', 'paid from the personal account, in yuan')
      .option('--self-pay <yuan>', 'paid by the patient (recorded on the card)', '0')
      .option('--pooling <yuan>', 'paid by the pooling fund (recorded on the card)', '0')
      .option('--terminal <id>', 'terminal id, 6 bytes in hex (12 digits); with a PSAM its terminal number (EF 0016)', DEFAULT_TERMINAL)
      .option('--yes', 'do not ask for confirmation'),
    'holding DPK (software purchase security); or --psam / --psam-emulator: the PSAM computes MAC1 and checks MAC2',
  ).action(async (amountText: string, opts: MedicalOptions) => {
    const account = parseYuan(amountText);
    const selfPay = parseYuanOrZero(opts.selfPay ?? '0');
    const pooling = parseYuanOrZero(opts.pooling ?? '0');
    const terminal = terminalId(opts.terminal);
    await confirm(ctx, opts, `pay ${formatYuan(account)} yuan from the medical account`);
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s, target) => {
      // With --psam / --psam-emulator the PSAM computes MAC1 and checks MAC2 (and its EF 0016 is the terminal id).
      const psam = await psamFor(target, opts);
      const { SoftwarePurchaseSecurity } = await import('../../applications/medical/software-purchase-security.js');
      const { PsamPurchaseSecurity } = await import('../../applications/psam/psam-purchase-security.js');
      const security = psam
        ? new PsamPurchaseSecurity(psam)
        : new SoftwarePurchaseSecurity(await softwareKeys(target, opts.keys), terminal);
      const r = await (await s.openMedical(pin!)).purchase({ account, selfPay, pooling }, security);
      const out = { accountFen: account, selfPayFen: selfPay, poolingFen: pooling, ...r, tac: toHex(r.tac), mac2: toHex(r.mac2) };
      if (opts.json) return writeJson(ctx, out);
      ctx.io.stdout(
        `Paid ${formatYuan(account)} yuan; balance ${formatYuan(r.balanceAfter)} yuan (card sequence ${r.offlineSeq}, terminal sequence ${r.terminalSeq})\n` +
          `TAC ${out.tac}  MAC2 ${out.mac2}${r.recovered ? '  (answer lost; recovered with GET TRANSACTION PROOF)' : ''}\n`,
      );
    });
  });

  addKeysOption(
    sub('load', 'top up the medical account (amount in yuan) — the host part from the key file (DLK)')
      .argument('<amount>', 'amount in yuan')
      .option('--terminal <id>', 'terminal id, 6 bytes in hex (12 digits)', DEFAULT_TERMINAL)
      .option('--yes', 'do not ask for confirmation'),
    'holding DLK (software load host)',
  ).action(async (amountText: string, opts: MedicalOptions) => {
    const amount = parseYuan(amountText);
    const terminal = terminalId(opts.terminal);
    await confirm(ctx, opts, `load ${formatYuan(amount)} yuan onto the medical account`);
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s, target) => {
      const { SoftwareLoadHost } = await import('../../applications/medical/software-load-host.js');
      const host = new SoftwareLoadHost(await softwareKeys(target, opts.keys));
      const r = await (await s.openMedical(pin!)).load(amount, host, { terminalId: terminal });
      if (opts.json) return writeJson(ctx, { amountFen: amount, ...r, tac: toHex(r.tac) });
      ctx.io.stdout(
        `Loaded ${formatYuan(amount)} yuan; balance ${formatYuan(r.balanceAfter)} yuan (card sequence ${r.onlineSeq})  TAC ${toHex(r.tac)}\n`,
      );
    });
  });

  sub('proof', 'GET TRANSACTION PROOF: MAC and TAC of a completed load or purchase, by its card sequence number')
    .argument('<type>', 'load or purchase')
    .argument('<seq>', 'the card sequence number (online for loads, offline for purchases)')
    .action(async (type: string, seqText: string, opts: MedicalOptions) => {
      if (type !== 'load' && type !== 'purchase') throw new InputError('type', 'the type is "load" or "purchase"');
      const seq = Number(seqText);
      if (!/^\d+$/.test(seqText) || seq > 0xffff) throw new InputError('seq', 'the sequence number is 0…65535');
      const [pin] = await readPins(ctx.io, opts, ['PIN']);
      await withSocialSecurity(opts, async (s) => {
        const proof = await (await s.openMedical(pin!)).transactionProof(type, seq);
        if (proof === undefined)
          throw new SscardError(
            'ENOTDONE',
            `the card has no proof of ${type} ${seq} (9406): it did not happen, or a later one replaced it`,
          );
        if (opts.json) return writeJson(ctx, { type, seq, mac: toHex(proof.mac), tac: toHex(proof.tac) });
        ctx.io.stdout(`${type} ${seq}: MAC ${toHex(proof.mac)}  TAC ${toHex(proof.tac)}\n`);
      });
    });

  sub('log', 'the medical transaction log (EF08), most recent first').action(async (opts: MedicalOptions) => {
    const [pin] = await readPins(ctx.io, opts, ['PIN']);
    await withSocialSecurity(opts, async (s) => {
      const log = await (await s.openMedical(pin!)).readLog();
      if (opts.json) return writeJson(ctx, log);
      if (log.length === 0) return ctx.io.stdout('no transactions\n');
      for (const t of log) {
        ctx.io.stdout(
          `#${t.seq}  ${t.time}  ${t.type.padEnd(8)}  account ${formatYuan(t.accountFen).padStart(10)}  self-pay ${formatYuan(t.selfPayFen)}  pooling ${formatYuan(t.poolingFen)}  terminal ${t.terminalId}\n`,
        );
      }
    });
  });
};

function parseYuanOrZero(text: string): number {
  return /^\s*0*(\.0*)?\s*$/.test(text) ? 0 : parseYuan(text);
}

function terminalId(text: string | undefined): Uint8Array {
  const id = fromHex(text ?? DEFAULT_TERMINAL, 'terminal id');
  if (id.length !== 6) throw new InputError('terminal id', 'the terminal id is 6 bytes (12 hex digits)');
  return id;
}

/** The key file as software keys: the software purchase security and load host need the masters. */
async function softwareKeys(target: CardTarget, option: string | undefined) {
  const file = keyFilePath(target, option);
  if (file === undefined) throw new InputError('keys', 'this operation needs the purse keys: give --keys FILE');
  const { SoftwareKeyProvider } = await import('../../applications/keys/software-key-provider.js');
  return SoftwareKeyProvider.fromFile(file);
}
