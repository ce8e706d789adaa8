// Issue 14's "Must show": a hospital terminal that uses only the PSAM in vpcd's slot 01 (no key
// file) pays 12.34 yuan from the user card in slot 00, both through pcscd. MAC1 (from the PSAM),
// MAC2 and TAC (from the card) are checked against the published key file by a second route
// (node:crypto, test/medical/medical-reference.ts); the PSAM accepts MAC2; GET BALANCE shows the
// debit and SPIP/SPFP the amounts; the log record matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';
import type { PurchaseInitRequest, PurchaseInitResult } from '../../src/applications/medical/purchase-security.js';
import { PsamPurchaseSecurity } from '../../src/applications/psam/psam-purchase-security.js';
import { PsamSession } from '../../src/applications/psam/psam-session.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { cardKey, SAMPLE_CARDS, sessionMac, tac } from '../medical/medical-reference.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/psam-medical-pcsc.test.ts');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();

describe.skipIf(!enabled)('a medical purchase with the PSAM in slot 01 and the card in slot 00 (pcscd + vpcd)', () => {
  const removals: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    removals.push((await insertCard(openCard({ profile: 'default' }), SLOT0)).remove);
    removals.push((await insertCard(openCard({ profile: 'psam-default' }), SLOT1)).remove);
  });
  afterAll(async () => {
    for (const remove of removals) await remove();
  });

  it('pays 12.34 yuan: MAC1, MAC2 and TAC as the key file gives them, the PSAM accepts MAC2, balance, totals and log', async () => {
    const card = SAMPLE_CARDS[0]!;
    const cardTransport = new PcscTransport({ reader: SLOT0.reader, timeoutMs: 5000 });
    const psamTransport = new PcscTransport({ reader: SLOT1.reader, timeoutMs: 5000 });
    try {
      const atr = await cardTransport.connect();
      await psamTransport.connect();
      const psam = new PsamPurchaseSecurity(await PsamSession.open(new CardChannel(psamTransport)));
      const seen: Array<{ request: PurchaseInitRequest; result: PurchaseInitResult }> = [];
      const recording = {
        terminalId: () => psam.terminalId(),
        initPurchase: async (request: PurchaseInitRequest) => {
          const result = await psam.initPurchase(request);
          seen.push({ request, result });
          return result;
        },
        verifyMac2: (mac2: Uint8Array) => psam.verifyMac2(mac2),
      };
      const s = await SocialSecuritySession.open(new CardChannel(cardTransport), { atr });
      const medical = await s.openMedical(card.pin);
      const before = await medical.balances();
      const when = new Date(2026, 10, 30, 8, 15, 30);
      const r = await medical.purchase({ account: 1234, selfPay: 200, pooling: 1034, when }, recording);

      const { request, result } = seen[0]!;
      const terminalId = '330300000001';
      const amounts = `${u32(1234)}${u32(200)}${u32(1034)}`;
      const time = '20261130081530';
      const dpk = cardKey(card, 'DPK');
      const sespkInput = `${hex(request.cardRandom)}${request.offlineSeq.toString(16).padStart(4, '0')}${u32(result.terminalSeq).slice(4)}`;
      expect(hex(result.mac1)).toBe(sessionMac(card, dpk, sespkInput, `${amounts}02${terminalId}${time}`));
      expect(hex(r.mac2)).toBe(sessionMac(card, dpk, sespkInput, amounts));
      expect(hex(r.tac)).toBe(tac(card, cardKey(card, 'DTK'), `${amounts}02${terminalId}${u32(result.terminalSeq)}${time}`));

      const after = await medical.balances();
      expect(after.accountFen).toBe(before.accountFen - 1234);
      expect(r.balanceAfter).toBe(after.accountFen);
      expect([after.selfPayFen, after.poolingFen]).toEqual([200, 1034]);
      expect((await medical.readLog())[0]).toEqual({
        seq: r.offlineSeq,
        type: 'purchase',
        terminalId,
        time: '2026-11-30T08:15:30',
        accountFen: 1234,
        selfPayFen: 200,
        poolingFen: 1034,
      });
    } finally {
      await cardTransport.close();
      await psamTransport.close();
    }
  });
});
