import { describe, expect, it } from 'vitest';
import { PkiSession } from '../../src/applications/pki/pki-session.js';
import { TransportPurseSession } from '../../src/applications/purse/transport-purse-session.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { purseCard, purseSam, TERM } from '../purse/purse-test-card.js';
import { openSampleCard } from '../support/emulated-card.js';

// Sessions used from several places at once over one channel (a kiosk's UI and its background
// poller): each multi-command sequence runs whole, so none reads another's file or MAC.
describe('session sequences over one shared channel', () => {
  it('two certificates read at once each come from their own file (SELECT → READ BINARY kept together)', async () => {
    const { channel } = await openSampleCard('default');
    const pki = await PkiSession.open(channel);
    const [one, two] = await Promise.all([pki.readCertificateDer('signature'), pki.readCertificateDer('encryption')]);
    const alone = await PkiSession.open((await openSampleCard('default')).channel);
    expect(one).toEqual(await alone.readCertificateDer('signature'));
    expect(two).toEqual(await alone.readCertificateDer('encryption'));
    expect(one).not.toEqual(two);
  });

  it('two purchases at once both complete, MAC2 and TAC verified (INITIALIZE → DEBIT kept together)', async () => {
    const card = purseCard({ contactless: false });
    const purse = await TransportPurseSession.open(await card.channel());
    const keys = purseSam('default', '3des');
    const at = new Date(2024, 2, 15, 10, 15, 30);
    const [a, b] = await Promise.all([
      purse.purchase(100, { terminalId: TERM, at, transactionSeq: 1 }, keys),
      purse.purchase(200, { terminalId: TERM, at, transactionSeq: 2 }, keys),
    ]);
    expect([a.tacVerified, b.tacVerified]).toEqual([true, true]);
    expect(b.balanceBeforeFen).toBe(a.balanceAfterFen);
    expect((await purse.readBalance()).fen).toBe(5000 - 300);
  });

  it('two issuer commands at once each carry the MAC of their own challenge (secure messaging kept together)', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    await Promise.all([s.unblockPin(keys), s.reloadPin('135790', keys)]);
    await s.verifyPin('135790');
  });

  it('a photo, the card data and an unblock at once: each keeps its SELECT, its authentication and its reads together', async () => {
    const { channel, atr, keys } = await openSampleCard('default');
    const s = await SocialSecuritySession.open(channel, { atr });
    const [photo, card] = await Promise.all([s.readPhoto(keys), s.readCardData(), s.unblockPin(keys), s.readFingerprint(keys)]);
    expect([photo[0], photo[1]]).toEqual([0xff, 0xd8]);
    expect(card.cardNumber).toBe('C33012347');
  });
});
