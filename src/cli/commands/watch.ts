import { isContactlessAtr } from '../../apdu/atr.js';
import { toHex } from '../../bytes/hex.js';
import { InputError } from '../../errors.js';
import type { ReaderEvent } from '../../transport/reader-events.js';
import type { RegisterCommand } from '../cli-context.js';
import { waitForStop } from './wait-for-signal.js';

export const registerWatch: RegisterCommand = (program, ctx) => {
  program
    .command('watch')
    .description('show reader and card events as they happen (like pcsc_scan); Ctrl-C stops')
    .option('--for <seconds>', 'stop after this many seconds')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { for?: string; json?: boolean }) => {
      const seconds = opts.for === undefined ? undefined : Number(opts.for);
      if (seconds !== undefined && !(seconds > 0))
        throw new InputError('for', `--for must be a positive number of seconds, got "${opts.for}"`);
      // PC/SC code loads when watch runs, not at every start-up.
      const { PcscReaderMonitor } = await import('../../transport/reader-events.js');
      const monitor = new PcscReaderMonitor();
      await monitor.start();
      if (!opts.json) ctx.io.stdout(`watching PC/SC readers${seconds === undefined ? ' (Ctrl-C to stop)' : ` for ${seconds} s`}\n`);
      // Subscribing after the first look replays the current state first, marked "now".
      monitor.subscribe((event) => ctx.io.stdout(`${opts.json ? JSON.stringify(eventJson(event)) : eventLine(event)}\n`));
      try {
        await waitForStop(seconds);
      } finally {
        await monitor.stop();
      }
    });
};

function eventLine(e: ReaderEvent): string {
  const when = new Date().toISOString().slice(11, 23);
  const tag = e.initial ? 'now'.padEnd(when.length) : when;
  switch (e.type) {
    case 'reader-attached':
      return `${tag}  reader attached   ${e.reader}`;
    case 'reader-detached':
      return `${tag}  reader detached   ${e.reader}`;
    case 'card-inserted':
      return `${tag}  card inserted     ${e.reader}  ATR ${toHex(e.atr)} (${isContactlessAtr(e.atr) ? 'contactless' : 'contact'})`;
    case 'card-removed':
      return `${tag}  card removed      ${e.reader}`;
    case 'service-down':
      return `${tag}  PC/SC service down: ${e.error.message} (retrying)`;
    case 'service-up':
      return `${tag}  PC/SC service up`;
  }
}

function eventJson(e: ReaderEvent): Record<string, unknown> {
  const base: Record<string, unknown> = { type: e.type, initial: e.initial, time: new Date().toISOString() };
  if ('reader' in e) base.reader = e.reader;
  if (e.type === 'card-inserted') base.atr = toHex(e.atr);
  if (e.type === 'service-down') base.message = e.error.message;
  return base;
}
