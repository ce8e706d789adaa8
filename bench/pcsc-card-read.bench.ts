// PC/SC path, whole card: a social-security card read (card data + cardholder, as a kiosk does)
// through SocialSecuritySession over PcscTransport via pcscd + vpcd, against the same APDUs
// replayed as a bare transmit loop on the same transport in the same run (what the session adds).
// The default emulated card runs in its own process in the second vpcd slot.
import { type ChildProcess, spawn } from 'node:child_process';
import { SocialSecuritySession } from '../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../src/channel/card-channel.js';
import type { CardTransport } from '../src/transport/card-transport.js';
import { PcscTransport } from '../src/transport/pcsc-transport.js';
import type { BenchRow } from './bench-types.js';

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

/** The default emulated card behind VpcdBridge in a child process; resolves once vpcd has it. */
function startDefaultCard(): Promise<ChildProcess> {
  const code = `
    const { openCard } = await import('./emulator/open-card.ts');
    const { VpcdBridge } = await import('./emulator/vpcd-bridge.ts');
    const bridge = new VpcdBridge(openCard({ profile: 'default' }), { port: ${PORT} });
    bridge.start();
    await bridge.waitConnected(10000);
    process.stdout.write('ready\\n');
    process.on('SIGTERM', async () => { await bridge.stop(); process.exit(0); });
    setInterval(() => {}, 1 << 30);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the card did not reach vpcd within 15 s (scripts/pcsc-up.sh)')), 15_000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (c) => reject(new Error(`the card process exited (${c})`)));
  });
}
