import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Runs a card behind VpcdBridge in its own process (as a real card is outside every client) and
 * resolves once vpcd has it. `setup` is module code that defines `card` (a VirtualCard);
 * SIGTERM removes the card and ends the process.
 */
export function startVpcdCard(setup: string, port = 35963): Promise<ChildProcess> {
  const code = `
    const { VpcdBridge } = await import('./emulator/vpcd-bridge.ts');
    ${setup}
    const bridge = new VpcdBridge(card, { port: ${port}, socketThread: false });
    bridge.start();
    await bridge.waitConnected(10000);
    process.stdout.write('ready\\n');
    process.on('SIGTERM', async () => { await bridge.stop(); process.exit(0); });
    setInterval(() => {}, 1 << 30);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the card process did not reach vpcd within 15 s (is pcscd running? scripts/pcsc-up.sh)')),
      15_000,
    );
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (c) => reject(new Error(`the card process exited (${c})`)));
  });
}
