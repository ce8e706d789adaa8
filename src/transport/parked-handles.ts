import type { PcscCard, PcscContext } from './pcsc-binding.js';

/**
 * Handles a transport gave up on while a native call on them was stuck (a reader that never
 * answers). They must not be garbage-collected then: the binding's finalizer disconnects
 * synchronously, on the main thread, and pcscd would make that wait for the stuck call — a hang
 * no timer can end. So they are held here, and released only once the stuck call has settled
 * (pcscd is free again); never, if it never does.
 */
const parked = new Set<{ card?: PcscCard; context?: PcscContext }>();

export function parkUntilSettled(
  card: PcscCard | undefined,
  context: PcscContext | undefined,
  stuck: Promise<unknown>,
  leaveCard: number | undefined,
): void {
  if (!card && !context) return;
  const entry = { card, context };
  parked.add(entry);
  const release = (): void => {
    parked.delete(entry);
    try {
      card?.disconnect(leaveCard);
    } catch {
      // Gone with the card or the service.
    }
    try {
      context?.close();
    } catch {
      // Same.
    }
  };
  stuck.then(release, release);
}

/** How many handle sets wait for a stuck call (tests). */
export function parkedHandleCount(): number {
  return parked.size;
}
