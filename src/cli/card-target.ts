import { isContactlessAtr } from '../apdu/atr.js';
import type { CardChannel } from '../channel/card-channel.js';
import type { TraceListener } from '../channel/trace-event.js';
import type { CardTransport } from '../transport/card-transport.js';
import { type CardTargetOptions, openTransport, parseCardTarget } from './open-transport.js';

export { addCardTargetOptions, type CardTargetOptions } from './open-transport.js';

/** An open card: the transport, a channel over it, and what the card said at power-up. */
export interface CardTarget {
  transport: CardTransport;
  channel: CardChannel;
  atr: Uint8Array;
  contactless: boolean;
  /** "sscard emulator (default)" or the PC/SC reader name. */
  label: string;
  /** The test master keys of the emulated card, when the target is a shipped profile. */
  sampleKeysFile?: string;
  /** Runs `cleanup` when the card is released, before its transport closes (a PSAM opened for it). */
  defer(cleanup: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Opens and connects the card the options name, with a channel over it. */
export async function openCardTarget(options: CardTargetOptions, trace?: TraceListener): Promise<CardTarget> {
  const opened = await openTransport(parseCardTarget(options));
  let atr: Uint8Array;
  try {
    atr = await opened.transport.connect();
  } catch (error) {
    await opened.close();
    throw error;
  }
  // The channel code loads when a card command runs, not at every start-up.
  const { CardChannel } = await import('../channel/card-channel.js');
  const channel = new CardChannel(opened.transport, trace ? { trace } : {});
  const cleanups: Array<() => Promise<void>> = [];
  return {
    transport: opened.transport,
    channel,
    atr,
    contactless: isContactlessAtr(atr),
    label: opened.transport.name || (options.reader ?? 'PC/SC'),
    ...(opened.sampleKeysFile === undefined ? {} : { sampleKeysFile: opened.sampleKeysFile }),
    defer: (cleanup) => void cleanups.push(cleanup),
    close: async () => {
      try {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      } finally {
        await opened.close();
      }
    },
  };
}

/** Opens the target, runs `body`, and always releases the card. */
export async function withCardTarget<T>(
  options: CardTargetOptions,
  body: (target: CardTarget) => Promise<T>,
  trace?: TraceListener,
): Promise<T> {
  const target = await openCardTarget(options, trace);
  try {
    return await body(target);
  } finally {
    await target.close();
  }
}
