// A terminal whose keys are in a PSAM, through the real PC/SC stack: the emulated default card in
// vpcd's slot 00, the emulated PSAM in slot 01, both reached through pcscd by PcscTransport —
// the hospital terminal of card-spec §9 with no key file. Issue 14's "Must show": it pays 12.34
// yuan; MAC1 (from the PSAM), MAC2 and TAC (from the card) are checked against the published key
// file by a second route (node:crypto, test/medical/medical-reference.ts); the PSAM accepts MAC2;
// GET BALANCE shows the debit and SPIP/SPFP the amounts; the log record matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';
import type { PurchaseInitRequest, PurchaseInitResult } from '../../src/applications/medical/purchase-security.js';
import { PsamKeyProvider } from '../../src/applications/psam/psam-key-provider.js';
import { PsamPurchaseSecurity } from '../../src/applications/psam/psam-purchase-security.js';
import { PsamSession } from '../../src/applications/psam/psam-session.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { cardKey, SAMPLE_CARDS, sessionMac, tac } from '../medical/medical-reference.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { emptyForPcscd, insertCard, SLOT0, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/psam-pcsc.test.ts');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();

describe.skipIf(!enabled)('a PSAM terminal over pcscd + vpcd: user card in slot 00, PSAM in slot 01', () => {
  const removals: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    removals.push((await insertCard(openCard({ profile: 'default' }), SLOT0)).remove);
    removals.push((await insertCard(openCard({ profile: 'psam-default' }), SLOT1)).remove);
  });
  afterAll(async () => {
    for (const remove of removals) await remove();
  });

  it('authenticates the card, reads the cardholder after RKSSSE and reloads the PIN with keys only in the PSAM', async () => {
    const cardTransport = new PcscTransport({ reader: SLOT0.reader, timeoutMs: 5000 });
    const psamTransport = new PcscTransport({ reader: SLOT1.reader, timeoutMs: 5000 });
    try {
      const atr = await cardTransport.connect();
      await psamTransport.connect();
      const psam = await PsamSession.open(new CardChannel(psamTransport));
      expect(psam.info.terminalNumber).toBe('330300000001');
      const keys = new PsamKeyProvider(psam);
      const s = await SocialSecuritySession.open(new CardChannel(cardTransport), { atr });
      await s.authenticateCard(keys);
      await s.externalAuthenticate('RKSSSE', keys);
      expect((await s.readCardholder()).name).toBe('张晓明');
      await s.reloadPin('654321', keys);
      await s.verifyPin('654321');
      await s.reloadPin('123456', keys);
    } finally {
      await cardTransport.close();
      await psamTransport.close();
    }
  });

  it('sscard psam info --reader and sscard auth/info --psam <reader> work across the two readers', async () => {
    const info = memoryIo();
    expect(await runCli(['psam', 'info', '--reader', SLOT1.reader], info)).toBe(0);
    expect(info.text()).toMatch(/Terminal number\s+330300000001/);
    const auth = memoryIo();
    expect(await runCli(['auth', 'external', 'RKSSSE', '--reader', SLOT0.reader, '--psam', SLOT1.reader], auth)).toBe(0);
    expect(auth.errText()).toBe('');
    expect(auth.text()).toBe('authenticated with RKSSSE\n');
    const card = memoryIo();
    expect(await runCli(['info', '--reader', SLOT0.reader, '--psam', SLOT1.reader], card)).toBe(0);
    expect(card.text()).toMatch(/Card\s+genuine/);
    expect(card.text()).toMatch(/Name\s+张晓明/);
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

describe.skipIf(!enabled)('sscard emulate --psam', () => {
  it('puts the emulated PSAM into the second slot ("Virtual PCD 00 01") beside the card', async () => {
    const io = memoryIo();
    const emulating = runCli(['emulate', '--psam', '--port', String(SLOT0.port), '--for', '4'], io);
    const t = new PcscTransport({ reader: SLOT1.reader, waitForCardMs: 3000, timeoutMs: 5000 });
    try {
      await t.connect();
      expect((await PsamSession.open(new CardChannel(t))).info.serial).toBe('33030000000000000001');
    } finally {
      await t.close();
    }
    expect(await emulating).toBe(0);
    expect(io.text()).toMatch(/card "default" inserted into vpcd at 127.0.0.1:35963 \(reader "Virtual PCD 00 00"\)/);
    expect(io.text()).toMatch(/card "psam-default" inserted into vpcd at 127.0.0.1:35964 \(reader "Virtual PCD 00 01"\)/);
    await emptyForPcscd(SLOT0);
    await emptyForPcscd(SLOT1);
  });
});
