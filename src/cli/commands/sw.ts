import { parseStatusWord } from '../../apdu/parse-status-word.js';
import { decodeStatusWord, listStatusWords } from '../../apdu/status-words.js';
import { InputError } from '../../errors.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';

export const registerSw: RegisterCommand = (program, ctx) => {
  program
    .command('sw')
    .description('explain a status word (e.g. 63C2, 6983, 9401), in English and Chinese')
    .argument('[sw]', 'status word as 4 hex digits, e.g. 63C2 or "63 C2"')
    .option('--list', 'list every status word sscard knows')
    .option('--json', 'print JSON')
    .action((text: string | undefined, opts: { list?: boolean; json?: boolean }) => {
      if (opts.list) {
        const all = listStatusWords();
        if (opts.json) return writeJson(ctx, all);
        for (const e of all) ctx.io.stdout(`${e.pattern}  ${e.meaning} / ${e.meaningZh}\n`);
        return;
      }
      if (text === undefined) throw new InputError('sw', 'give a status word, e.g. `sscard sw 63C2`, or --list');
      const info = decodeStatusWord(parseStatusWord(text));
      if (opts.json) return writeJson(ctx, info);
      ctx.io.stdout(`${info.hex}: ${info.meaning}\n      ${info.meaningZh}\n`);
    });
};
