import type { PsamKeyVersions } from '../../applications/psam/psam-session.js';
import { addCardTargetOptions, type CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { EMULATED_PSAM_PROFILE, openPsam } from '../psam-target.js';

export const registerPsam: RegisterCommand = (program, ctx) => {
  const psam = program.command('psam').description("the terminal's PSAM (card-spec §9): the key store of a hospital or outlet terminal");
  addCardTargetOptions(
    psam
      .command('info')
      .description(
        `terminal number, serial, transaction sequence and key versions of a PSAM (--reader, or --emulator for ${EMULATED_PSAM_PROFILE})`,
      )
      .option('--json', 'print JSON'),
  ).action(async (opts: CardTargetOptions & { json?: boolean }) => {
    const { target, session } = await openPsam(opts);
    try {
      const info = session.info;
      if (opts.json) return writeJson(ctx, { reader: target.label, ...info });
      const versions = (v: PsamKeyVersions) =>
        `purchase key ${v.purchaseKeyVersion}, authentication key ${v.authenticationKeyVersion}, valid ${v.start}–${v.expiry}`;
      const rows: Array<[string, string]> = [
        ['Reader', target.label],
        ['Terminal number', info.terminalNumber],
        ['PSAM serial', info.serial],
        ['Issuer / version / type', `${info.issuerId} / ${info.version} / ${info.keyCardType}`],
        ['Next transaction', String(info.terminalSeq)],
        ['National keys', versions(info.keyVersions.national)],
        ['Provincial keys', versions(info.keyVersions.provincial)],
        ['City keys', versions(info.keyVersions.city)],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      ctx.io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
    } finally {
      await target.close();
    }
  });
};
