import { EmulatorTransport, openCard } from '../../emulator/index.js';
import type { CardTransport } from '../transport/card-transport.js';

/**
 * `--emulator [--profile P] [--state FILE]` as an unconnected transport, for commands that manage
 * the connection themselves (`sscard run`). The profile defaults to the 3rd-generation card.
 */
export function emulatorTarget(options: { profile?: string; state?: string; contactless?: boolean } = {}): CardTransport {
  const card = openCard({
    profile: options.profile ?? 'default',
    ...(options.state === undefined ? {} : { state: options.state }),
    cardInterface: options.contactless ? 'contactless' : 'contact',
  });
  return new EmulatorTransport(card, `sscard emulator (${options.profile ?? 'default'})`);
}
