import { decodeAtr, describeAtr } from '../../apdu/atr.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { addCardTargetOptions, type CardTargetOptions, openTransport, parseCardTarget } from '../open-transport.js';

export const registerAtr: RegisterCommand = (program, ctx) => {
  addCardTargetOptions(
    program
      .command('atr')
      .description('decode an ATR (given in hex, or read from the card in a reader or the emulator)')
      .argument('[hex...]', 'the ATR in hex; omit to read it from a card')
      .option('--json', 'print JSON'),
  ).action(async (parts: string[], opts: CardTargetOptions & { json?: boolean }) => {
    const bytes = parts.length > 0 ? parseHex(parts.join(' '), 'ATR hex') : await readAtr(opts);
    const atr = decodeAtr(bytes);
    if (opts.json) {
      return writeJson(ctx, {
        atr: toHex(atr.bytes),
        convention: atr.convention,
        ts: atr.ts,
        t0: atr.t0,
        interfaceBytes: atr.interfaceBytes,
        protocols: atr.protocols,
        fi: atr.fi,
        di: atr.di,
        historicalBytes: toHex(atr.historicalBytes),
        historical: { ...atr.historical, objects: atr.historical.objects.map((o) => ({ ...o, value: toHex(o.value) })) },
        tck: atr.tck,
        kind: atr.kind,
        contactless: atr.contactless,
        problems: atr.problems,
      });
    }
    ctx.io.stdout(`${describeAtr(atr).join('\n')}\n`);
  });
};

async function readAtr(opts: CardTargetOptions): Promise<Uint8Array> {
  const opened = await openTransport(parseCardTarget(opts));
  try {
    return await opened.transport.connect();
  } finally {
    await opened.close();
  }
}
