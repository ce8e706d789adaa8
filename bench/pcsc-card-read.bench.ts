// PC/SC path, whole card: a social-security card read (card data + cardholder, as a kiosk does)
// through SocialSecuritySession over PcscTransport via pcscd + vpcd, against the same APDUs
// replayed as a bare transmit loop on the same transport in the same run (what the session adds).
// The ss-2.00 emulated card runs in its own process in the second vpcd slot (a 3.00 card's EF06
// needs the RKSSSE authentication first, which a replay of recorded APDUs cannot repeat).
import { SocialSecuritySession } from '../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../src/channel/card-channel.js';
import type { CardTransport } from '../src/transport/card-transport.js';
import { PcscTransport } from '../src/transport/pcsc-transport.js';
import type { BenchRow } from './bench-types.js';
import { startVpcdCard } from './vpcd-card-process.js';

const READER = 'Virtual PCD 00 01';
const PORT = 35964;
const READS = 100;

export default async function pcscCardReadBench(): Promise<BenchRow[]> {
  const cardProcess = await startDefaultCard();
  const transport = new PcscTransport({ reader: READER, waitForCardMs: 10_000 });
  try {
    const atr = await transport.connect();
    // One read with a trace gives the exact APDUs a read sends (the channel's T=0 follow-ups too).
    const commands: Uint8Array[] = [];
    const recording: CardTransport = {
      name: transport.name,
      connect: () => transport.connect(),
      transmit: (c) => {
        commands.push(c.slice());
        return transport.transmit(c);
      },
      reset: (kind) => transport.reset(kind),
      close: () => transport.close(),
    };
    await readCard(new CardChannel(recording), atr);
    const channel = new CardChannel(transport);
    let ours = 0;
    let bare = 0;
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      for (let i = 0; i < READS; i++) await readCard(channel, atr);
      ours = Math.max(ours, (READS * 1000) / (performance.now() - t));
      t = performance.now();
      for (let i = 0; i < READS; i++) for (const c of commands) await transport.transmit(c);
      bare = Math.max(bare, (READS * 1000) / (performance.now() - t));
    }
    return [
      {
        group: 'pcsc',
        name: `full social-security card read via pcscd+vpcd (${commands.length} APDUs: card data + cardholder)`,
        ours,
        reference: 'the same APDUs as a bare PcscTransport loop',
        referenceValue: bare,
        unit: 'reads/s',
      },
    ];
  } finally {
    await transport.close();
    cardProcess.kill('SIGTERM');
  }
}

async function readCard(channel: CardChannel, atr: Uint8Array): Promise<void> {
  const session = await SocialSecuritySession.open(channel, { atr });
  await session.readCardData();
  await session.readCardholder();
}

/** The ss-2.00 emulated card, in its own process, in the second vpcd slot. */
function startDefaultCard() {
  return startVpcdCard(
    "const { openCard } = await import('./emulator/open-card.ts'); const card = openCard({ profile: 'ss-2.00' });",
    PORT,
  );
}
