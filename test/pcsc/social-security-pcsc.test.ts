// The social security application through the real PC/SC stack: the emulated default card in a
// vpcd slot, our PcscTransport through pcscd, exactly as a kiosk or POS would reach a real card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard, profileKeysPath } from '../../emulator/index.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { expectPinLifeCycle } from '../support/pin-lifecycle.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/social-security-pcsc.test.ts');

describe.skipIf(!enabled)('social security over pcscd + vpcd', () => {
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ remove } = await insertCard(openCard({ profile: 'default' }), SLOT0));
  });
  afterAll(async () => {
    await remove();
  });

  async function session() {
    const transport = new PcscTransport({ reader: SLOT0.reader, timeoutMs: 5000 });
    const atr = await transport.connect();
    const channel = new CardChannel(transport);
    return { transport, s: await SocialSecuritySession.open(channel, { atr }) };
  }

  it('reads the card like a kiosk', async () => {
    const { transport, s } = await session();
    try {
      const keys = await SoftwareKeyProvider.fromFile(profileKeysPath('default'));
      await s.authenticateCard(keys);
      expect((await s.readCardData()).cardNumber).toBe('C33012347');
      await s.externalAuthenticate('RKSSSE', keys);
      expect((await s.readCardholder()).name).toBe('张晓明');
    } finally {
      await transport.close();
    }
  });

  it('runs the full PIN life cycle: 6 wrong → blocked, right refused, issuer unblock, change → old refused', async () => {
    const keys = await SoftwareKeyProvider.fromFile(profileKeysPath('default'));
    const { transport, s } = await session();
    try {
      await expectPinLifeCycle(s, keys, '123456', '112233');
      await s.changePin('112233', '123456');
    } finally {
      await transport.close();
    }
  });

  it('sscard info --reader prints the card read through PC/SC', async () => {
    const io = memoryIo();
    const code = await runCli(['info', '--reader', SLOT0.reader, '--keys', profileKeysPath('default')], io);
    expect(io.errText()).toBe('');
    expect(code).toBe(0);
    expect(io.text()).toMatch(/Name\s+张晓明/);
  });
});
