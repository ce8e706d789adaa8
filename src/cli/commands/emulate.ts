import { VPCD_DEFAULT_PORT, VpcdBridge } from '../../../emulator/vpcd-bridge.js';
import { InputError } from '../../errors.js';
import type { RegisterCommand } from '../cli-context.js';
import { type EmulatedCard, openEmulatedCard } from '../open-transport.js';
import { checkOutputPath } from '../output-paths.js';
import { waitForStop } from './wait-for-signal.js';

interface EmulateOptions {
  profile?: string;
  state?: string;
  port: string;
  secondProfile?: string;
  secondState?: string;
  contactless?: boolean;
  psam?: string | boolean;
  psamState?: string;
  for?: string;
}

/** The PSAM `--psam` puts beside the card when it names none: the one holding the default card's key roots. */
const DEFAULT_PSAM_PROFILE = 'psam-default';

export const registerEmulate: RegisterCommand = (program, ctx) => {
  program
    .command('emulate')
    .description("put the emulated card into vpcd's virtual reader, so every PC/SC program sees it; Ctrl-C stops and saves state")
    .option('--profile <profile>', 'card profile: a file or a name in emulator/profiles')
    .option('--state <file>', "state file: the card's changes persist there; held (locked) while emulating")
    .option(
      '--port <port>',
      `vpcd port on 127.0.0.1 (${VPCD_DEFAULT_PORT} is "Virtual PCD 00 00", +1 the next slot)`,
      String(VPCD_DEFAULT_PORT),
    )
    .option('--contactless', 'present the card on its contactless interface (synthesized ATR)')
    .option('--second-profile <profile>', 'also put a second card, on its contactless interface, into the next slot (port + 1)')
    .option('--second-state <file>', 'state file of the second card')
    .option(
      '--psam [profile]',
      `also put a PSAM (contact) into the next slot (port + 1, "Virtual PCD 00 01"): a terminal's key store; default ${DEFAULT_PSAM_PROFILE}`,
    )
    .option(
      '--psam-state <file>',
      'state file of the PSAM (its terminal transaction counter persists there); held (locked) while emulating',
    )
    .option('--for <seconds>', 'stop after this many seconds')
    .action(async (opts: EmulateOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65534)
        throw new InputError('port', `--port must be a TCP port, got "${opts.port}"`);
      const seconds = opts.for === undefined ? undefined : Number(opts.for);
      if (seconds !== undefined && !(seconds > 0))
        throw new InputError('for', `--for must be a positive number of seconds, got "${opts.for}"`);
      const psam = opts.psam === true ? DEFAULT_PSAM_PROFILE : opts.psam === false ? undefined : opts.psam;
      if (psam === undefined && opts.psamState !== undefined) throw new InputError('psam', '--psam-state needs --psam');
      if (psam !== undefined && (opts.secondProfile !== undefined || opts.secondState !== undefined)) {
        throw new InputError('psam', '--psam and --second-profile both use the next slot: give one of them');
      }
      for (const [what, file] of [
        ['--state', opts.state],
        ['--second-state', opts.secondState],
        ['--psam-state', opts.psamState],
      ] as const) {
        if (file !== undefined) checkOutputPath(file, { what, existing: 'update' });
      }
      const slots: Array<{ emulated: EmulatedCard; bridge: VpcdBridge; state?: string }> = [];
      const open = async (
        profile: string | undefined,
        state: string | undefined,
        slotPort: number,
        contactless: boolean,
      ): Promise<void> => {
        const emulated = await openEmulatedCard({
          ...(profile === undefined ? {} : { profile }),
          ...(state === undefined ? {} : { state }),
          ...(contactless ? { contactless } : {}),
        });
        // This process only serves cards (no PC/SC calls of its own): no socket thread needed.
        const bridge = new VpcdBridge(emulated.card, { port: slotPort, socketThread: false });
        const reader = `Virtual PCD 00 ${String(slotPort - VPCD_DEFAULT_PORT).padStart(2, '0')}`;
        bridge.on('connected', () =>
          ctx.io.stdout(`card "${emulated.label}" inserted into vpcd at 127.0.0.1:${slotPort} (reader "${reader}")\n`),
        );
        bridge.on('disconnected', () =>
          ctx.io.stdout(`card "${emulated.label}" out of 127.0.0.1:${slotPort}; reconnecting when vpcd is back\n`),
        );
        slots.push({ emulated, bridge, ...(state === undefined ? {} : { state }) });
        bridge.start();
      };
      try {
        await open(opts.profile, opts.state, port, opts.contactless === true);
        if (opts.secondProfile !== undefined || opts.secondState !== undefined)
          await open(opts.secondProfile, opts.secondState, port + 1, true);
        if (psam !== undefined) await open(psam, opts.psamState, port + 1, false);
        ctx.io.stdout(
          `emulating; waiting for vpcd (pcscd with vsmartcard-vpcd)${seconds === undefined ? '; Ctrl-C to stop' : ` for ${seconds} s`}\n`,
        );
        await waitForStop(seconds);
      } finally {
        for (const s of slots) {
          await s.bridge.stop();
          await s.emulated.close();
          ctx.io.stdout(`card "${s.emulated.label}" removed${s.state ? `; state saved to ${s.state}` : ''}\n`);
        }
      }
    });
};
