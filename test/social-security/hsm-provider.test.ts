import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileKeysPath } from '../../emulator/index.js';
import { HsmKeyProvider } from '../../src/applications/keys/hsm-key-provider.js';
import { HsmError } from '../../src/applications/keys/hsm-request.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { openSampleCard } from '../support/emulated-card.js';

/** An HSM connection that records the request strings it carried. */
function recording(hsm: SoftwareHsm) {
  const lines: string[] = [];
  return {
    lines,
    request: async (line: string) => {
      lines.push(line);
      return hsm.request(line);
    },
  };
}

describe.each(['default', 'ss-2.00'])('a terminal with an encryption machine instead of a PSAM (%s card)', (profile) => {
  const keyFile = JSON.parse(readFileSync(profileKeysPath(profile), 'utf8'));

  it('authenticates the card, reads EF06 after RKSSSE and reloads the PIN through request strings alone', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const connection = recording(new SoftwareHsm(keyFile));
    const keys = new HsmKeyProvider(connection);
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.authenticateCard(keys);
    await s.externalAuthenticate('RKSSSE', keys);
    expect((await s.readCardholder()).ssn).toMatch(/^\d{17}[\dX]$/);
    await s.reloadPin('13579', keys);
    await s.verifyPin('13579');

    const alg = profile === 'default' ? '03' : '01';
    const region = profile === 'default' ? '330300' : '650100';
    // card-spec §10.5: IRK at 0170, RKSSSE at 004C, PUK at 0090, STK at 0173; `84 24 00 01 14|0C` for the reload.
    expect(connection.lines[0]).toMatch(new RegExp(`^${alg}\\|0170\\|[0-9A-F]{16}\\|[0-9A-F]{16}\\|${region}\\|[0-9A-F]{26}\\|$`));
    expect(connection.lines[1]).toMatch(new RegExp(`^${alg}\\|004C\\|[0-9A-F]{16}\\|[0-9A-F]{16}\\|${region}\\|`));
    expect(connection.lines[2]).toMatch(new RegExp(`^${alg}\\|0090\\|`));
    const reload = profile === 'default' ? '8424000114' : '842400010C';
    expect(connection.lines[3]).toMatch(new RegExp(`^${alg}\\|0173\\|[0-9A-F]{16}\\|${reload}\\|13579F\\|${region}\\|`));
    // No key material in the request strings: only factors, randoms, headers and the card's data.
    for (const entry of Object.values(keyFile.keys) as Array<{ master: string }>) {
      for (const line of connection.lines) expect(line).not.toContain(entry.master);
    }
  });

  it('a refusing or confused HSM is a typed error, and the card is left as it was', async () => {
    const { channel, atr } = await openSampleCard(profile);
    const s = await SocialSecuritySession.open(channel, { atr });
    await expect(s.authenticateCard(new HsmKeyProvider({ request: async () => 'ERR|key not loaded|' }))).rejects.toBeInstanceOf(HsmError);
    await expect(s.unblockPin(new HsmKeyProvider({ request: async () => '00' }))).rejects.toBeInstanceOf(HsmError);
    expect(await s.pinTriesLeft()).toBe(6);
  });
});
