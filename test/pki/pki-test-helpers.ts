import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { CardChannel } from '../../src/channel/card-channel.js';

export const DISTID = 'distid:1234567812345678';
export const TEST_PKI = join(import.meta.dirname, '../../emulator/profiles/test-pki');

/** The default (3.00) sample card in process, with a channel. */
export async function defaultCard(options: { state?: string } = {}) {
  const card = openCard({ profile: 'default', ...(options.state ? { state: options.state } : {}) });
  const transport = new EmulatorTransport(card);
  await transport.connect();
  return { card, transport, channel: new CardChannel(transport) };
}

/** A scratch directory for files handed to openssl; `cleanup()` in afterAll. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-pki-'));
  let n = 0;
  return {
    dir,
    file(content: Uint8Array | string, name = `f${n++}`): string {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function openssl(args: string[], input?: Uint8Array | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Exit status of an openssl command (0 = success). */
export function opensslStatus(args: string[]): number {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}
