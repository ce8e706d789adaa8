import { writeFile } from 'node:fs/promises';
import { SscardError } from '../../errors.js';
import type { CardTargetOptions } from '../card-target.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { checkOutputPath } from '../output-paths.js';
import { addKeysOption, addSocialSecurityOptions, type KeysOption, loadKeys, withSocialSecurity } from '../social-security-target.js';

export const registerPhoto: RegisterCommand = (program, ctx) => {
  addKeysOption(
    addSocialSecurityOptions(
      program
        .command('photo')
        .description('read the cardholder photo (JPEG) after external authentication with RKSSSE (card key 0A)')
        .requiredOption('-o, --out <file>', 'where to write the JPEG')
        .option('--json', 'print JSON'),
      false,
    ),
    'holding RKSSSE',
  ).action(async (opts: CardTargetOptions & KeysOption & { out: string; json?: boolean }) => {
    checkOutputPath(opts.out, { what: '--out', existing: 'overwrite', ...(opts.state ? { inputs: [opts.state] } : {}) });
    await withSocialSecurity(opts, async (s, target) => {
      const photo = await s.readPhoto(await loadKeys(target, opts));
      try {
        await writeFile(opts.out, photo);
      } catch (error) {
        throw new SscardError('EINPUT', `cannot write ${opts.out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      if (opts.json) return writeJson(ctx, { file: opts.out, bytes: photo.length });
      ctx.io.stdout(`wrote ${opts.out} (${photo.length} bytes, JPEG)\n`);
    });
  });
};
