import { decodeStatusWord } from '../../apdu/status-words.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import { maskCommandForTrace } from '../../channel/secret-masking.js';
import { InputError } from '../../errors.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { addCardTargetOptions, type CardTargetOptions, openTransport, parseCardTarget } from '../open-transport.js';

type SendOptions = CardTargetOptions & { json?: boolean };

export const registerSend: RegisterCommand = (program, ctx) => {
  addCardTargetOptions(
    program
      .command('send')
      .description('send raw APDUs to a card and print "> command" / "< response SW meaning"')
      .argument('<apdu...>', 'one argument per APDU, in hex (quote an APDU written with spaces)')
      .option('--json', 'print JSON'),
  ).action(async (apdus: string[], opts: SendOptions) => {
    const spec = parseCardTarget(opts);
    const commands = apdus.map((a) => {
      const bytes = parseHex(a, 'APDU hex');
      if (bytes.length < 4) throw new InputError('apdu', `"${a}" is ${bytes.length} byte(s); an APDU has at least 4`);
      return bytes;
    });
    const opened = await openTransport(spec);
    const transport = opened.transport;
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
      await opened.close();
    }
    if (opts.json) writeJson(ctx, { reader: transport.name, exchanges: results });
  });
};
