import { decodeAtr, describeAtr } from '../../apdu/atr.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import type { CardTransport } from '../../transport/card-transport.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';
import { openEmulatedCard, virtualCardTransport } from './emulator-card.js';

export const registerAtr: RegisterCommand = (program, ctx) => {
  program
    .command('atr')
    .description('decode an ATR (given in hex, or read from the card in a reader or the emulator)')
    .argument('[hex...]', 'the ATR in hex; omit to read it from a card')
    .option('-r, --reader <name>', 'read the ATR of the card in this PC/SC reader (default: the first card found)')
    .option('--emulator', 'read the ATR of the built-in emulator')
    .option('--profile <profile>', 'emulator profile (with --emulator)')
    .option('--json', 'print JSON')
    .action(async (parts: string[], opts: { reader?: string; emulator?: boolean; profile?: string; json?: boolean }) => {
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

async function readAtr(opts: { reader?: string; emulator?: boolean; profile?: string }): Promise<Uint8Array> {
  let transport: CardTransport;
  let release = async (): Promise<void> => {};
  if (opts.emulator) {
    const emulated = await openEmulatedCard(opts.profile === undefined ? {} : { profile: opts.profile });
    transport = await virtualCardTransport(emulated.card);
    release = () => emulated.close();
  } else {
    // PC/SC code loads only when a card is read (not for decoding hex, not at start-up).
    const { PcscTransport } = await import('../../transport/pcsc-transport.js');
    transport = new PcscTransport(opts.reader === undefined ? {} : { reader: opts.reader });
  }
  try {
    return await transport.connect();
  } finally {
    await transport.close();
    await release();
  }
}
