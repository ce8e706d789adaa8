import { EmulatorTransport, openCard, profileKeysPath } from '../../emulator/index.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { CardChannel, type CardChannelOptions } from '../../src/channel/card-channel.js';

/** A shipped sample card in process, powered up, with a channel and the card's test keys. */
export async function openSampleCard(
  profile = 'default',
  options: { state?: string; contactless?: boolean; channel?: CardChannelOptions } = {},
) {
  const card = openCard({
    profile,
    ...(options.state ? { state: options.state } : {}),
    cardInterface: options.contactless ? 'contactless' : 'contact',
  });
  const transport = new EmulatorTransport(card);
  const atr = await transport.connect();
  const channel = new CardChannel(transport, options.channel ?? {});
  const keys = await SoftwareKeyProvider.fromFile(profileKeysPath(profile));
  return { card, transport, atr, channel, keys };
}
