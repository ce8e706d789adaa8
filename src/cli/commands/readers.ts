import { isContactlessAtr } from '../../apdu/atr.js';
import { toHex } from '../../bytes/hex.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { emulatorReaderSource } from '../open-transport.js';

export const registerReaders: RegisterCommand = (program, ctx) => {
  program
    .command('readers')
    .description('list PC/SC readers (with card and ATR) and the built-in emulator; exit 3 when PC/SC cannot be listed')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      // PC/SC code loads when readers runs, not at every start-up.
      const { pcscReaderSource, ReaderRegistry } = await import('../../transport/reader-registry.js');
      const registry = new ReaderRegistry().register(pcscReaderSource()).register(emulatorReaderSource());
      const { readers, problems } = await registry.list();
      // The emulator is always listed; PC/SC that cannot be listed (pcscd down) is still a failure.
      const failure = problems[0]?.error;
      if (opts.json) {
        writeJson(ctx, {
          readers: readers.map((r) => ({
            name: r.name,
            source: r.source,
            cardPresent: r.cardPresent,
            ...(r.atr ? { atr: toHex(r.atr), kind: isContactlessAtr(r.atr) ? 'contactless' : 'contact' } : {}),
            ...(r.flags ? { flags: r.flags } : {}),
          })),
          problems: problems.map((p) => ({ source: p.source, reason: p.error.reason, message: p.error.message })),
          ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
        });
        if (failure) throw failure;
        return;
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
      ctx.io.stdout(`${lines.join('\n')}\n`);
      if (failure) throw failure;
    });
};
