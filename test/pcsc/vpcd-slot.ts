import type { VirtualCard } from '../../emulator/virtual-card.js';
import { VpcdBridge } from '../../emulator/vpcd-bridge.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { pcscReaderSource } from '../../src/transport/reader-registry.js';

/** The two readers vpcd offers, and the ports a virtual card connects to for each. */
export const SLOT0 = { reader: 'Virtual PCD 00 00', port: 35963 };
export const SLOT1 = { reader: 'Virtual PCD 00 01', port: 35964 };
export type VpcdSlot = typeof SLOT0;

/**
 * Puts a virtual card into a vpcd slot and waits (bounded) until pcscd reports it present.
 * `remove()` takes it out and waits until pcscd sees the slot empty, so the next card is new.
 */
export async function insertCard(card: VirtualCard, slot: VpcdSlot = SLOT0): Promise<{ bridge: VpcdBridge; remove: () => Promise<void> }> {
  const bridge = new VpcdBridge(card, { port: slot.port, minBackoffMs: 50, maxBackoffMs: 500 });
  bridge.start();
  await bridge.waitConnected(10_000);
  await seenByPcscd(slot);
  return {
    bridge,
    remove: async () => {
      await bridge.stop();
      await emptyForPcscd(slot);
    },
  };
}

/** vpcd accepts the card at once, but pcscd notices it at its next presence poll (≤ 400 ms). */
export async function seenByPcscd(slot: VpcdSlot = SLOT0): Promise<void> {
  const probe = new PcscTransport({ reader: slot.reader, waitForCardMs: 10_000, timeoutMs: 5000 });
  try {
    await probe.connect();
  } finally {
    await probe.close();
  }
}

/** Waits (bounded) until pcscd reports the slot empty. */
export async function emptyForPcscd(slot: VpcdSlot = SLOT0): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const readers = await pcscReaderSource().list();
    if (!readers.find((r) => r.name === slot.reader)?.cardPresent) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
