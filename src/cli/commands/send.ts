import { decodeStatusWord } from '../../apdu/status-words.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import { maskCommandForTrace } from '../../channel/secret-masking.js';
import { InputError } from '../../errors.js';
import type { CardTransport } from '../../transport/card-transport.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { openEmulatedCard, virtualCardTransport } from './emulator-card.js';

interface SendOptions {
  reader?: string;
  emulator?: boolean;
  profile?: string;
  state?: string;
  timeout: string;
  json?: boolean;
}

export const registerSend: RegisterCommand = (program, ctx) => {
  program
    .command('send')
    .description('send raw APDUs to a card and print "> command" / "< response SW meaning"')
    .argument('<apdu...>', 'one argument per APDU, in hex (quote an APDU written with spaces)')
    .option('-r, --reader <name>', 'PC/SC reader (exact name or a part of it; default: the first with a card)')
    .option('--emulator', 'send to the built-in emulator instead of a PC/SC reader')
    .option('--profile <profile>', 'emulator profile (with --emulator)')
    .option('--state <file>', 'emulator state file (with --emulator)')
    .option('--timeout <ms>', 'timeout of each PC/SC operation in milliseconds', '10000')
    .option('--json', 'print JSON')
    .action(async (apdus: string[], opts: SendOptions) => {
      if (opts.emulator && opts.reader) throw new InputError('reader', '--reader and --emulator exclude each other');
      const commands = apdus.map((a) => {
        const bytes = parseHex(a, 'APDU hex');
        if (bytes.length < 4) throw new InputError('apdu', `"${a}" is ${bytes.length} byte(s); an APDU has at least 4`);
        return bytes;
      });
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
        throw new InputError('timeout', `--timeout must be a positive number of milliseconds, got "${opts.timeout}"`);
      let transport: CardTransport;
      let release = async (): Promise<void> => {};
      if (opts.emulator) {
        const emulated = await openEmulatedCard({
          ...(opts.profile === undefined ? {} : { profile: opts.profile }),
          ...(opts.state === undefined ? {} : { state: opts.state }),
        });
        transport = await virtualCardTransport(emulated.card);
        release = () => emulated.close();
      } else {
        // PC/SC code loads when send runs against a reader, not at every start-up.
        const { PcscTransport } = await import('../../transport/pcsc-transport.js');
        transport = new PcscTransport({ ...(opts.reader === undefined ? {} : { reader: opts.reader }), timeoutMs });
      }
      const results: Array<{ command: string; response: string; sw: string; meaning: string }> = [];
      try {
        await transport.connect();
        for (const command of commands) {
          // The echo is a trace: PIN and cryptogram bytes show as ** (they were typed, but logs keep them).
          const shown = maskCommandForTrace(command).replace(/ /g, '');
          if (!opts.json) ctx.io.stdout(`> ${shown}\n`);
          const response = await transport.transmit(command);
          const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
          const info = decodeStatusWord(sw);
          const data = toHex(response.subarray(0, response.length - 2));
          results.push({ command: shown, response: data, sw: info.hex, meaning: info.meaning });
          if (!opts.json) ctx.io.stdout(`< ${data ? `${data} ` : ''}${info.hex} ${info.meaning}\n`);
        }
      } finally {
        await transport.close();
        await release();
      }
      if (opts.json) writeJson(ctx, { reader: transport.name, exchanges: results });
    });
};
