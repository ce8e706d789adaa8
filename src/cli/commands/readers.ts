import { isContactlessAtr } from '../../apdu/atr.js';
import { toHex } from '../../bytes/hex.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { emulatorReaderSource } from './emulator-card.js';

export const registerReaders: RegisterCommand = (program, ctx) => {
  program
    .command('readers')
    .description('list PC/SC readers (with card and ATR) and the built-in emulator')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      // PC/SC code loads when readers runs, not at every start-up.
      const { pcscReaderSource, ReaderRegistry } = await import('../../transport/reader-registry.js');
      const registry = new ReaderRegistry().register(pcscReaderSource()).register(emulatorReaderSource());
      const { readers, problems } = await registry.list();
      if (opts.json) {
        return writeJson(ctx, {
          readers: readers.map((r) => ({
            name: r.name,
            source: r.source,
            cardPresent: r.cardPresent,
            ...(r.atr ? { atr: toHex(r.atr), kind: isContactlessAtr(r.atr) ? 'contactless' : 'contact' } : {}),
            ...(r.flags ? { flags: r.flags } : {}),
          })),
          problems: problems.map((p) => ({ source: p.source, reason: p.error.reason, message: p.error.message })),
        });
      }
      const width = Math.max(...readers.map((r) => r.name.length), 10);
      const lines: string[] = [];
      for (const r of readers) {
        const what =
          r.source === 'emulator'
            ? 'built-in software card (use --emulator)'
            : r.cardPresent
              ? `card  ${r.atr ? `${toHex(r.atr)}  (${isContactlessAtr(r.atr) ? 'contactless' : 'contact'})` : ''}`
              : 'no card';
        lines.push(`${r.name.padEnd(width)}  ${what}`);
      }
      for (const p of problems) lines.push(`(${p.source}: ${p.error.message})`);
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });
};
