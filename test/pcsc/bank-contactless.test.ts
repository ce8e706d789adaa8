// The financial application through the real PC/SC stack, contactless: the emulated default card
// in vpcd's second slot with its synthesized contactless ATR, reached through pcscd by our
// PcscTransport and by `sscard bank`, as a flash-pay test terminal would reach a real card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard, profileKeysPath } from '../../emulator/index.js';
import { decodeAtr } from '../../src/apdu/atr.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { verifyApplicationCryptogram } from '../../src/applications/pboc/application-cryptogram.js';
import { PbocSession } from '../../src/applications/pboc/pboc-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/bank-contactless.test.ts');
const TERMINAL = { date: '2025-11-16' };

describe.skipIf(!enabled)('financial application (PBOC / qPBOC) over pcscd + vpcd, contactless slot', () => {
  let remove: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const card = openCard({ profile: 'default', cardInterface: 'contactless', logger: memoryLogger() });
    ({ remove } = await insertCard(card, SLOT1));
  });
  afterAll(async () => {
    await remove();
  });

  async function withSession<T>(body: (s: PbocSession) => Promise<T>): Promise<T> {
    const transport = new PcscTransport({ reader: SLOT1.reader, timeoutMs: 5000 });
    try {
      const atr = await transport.connect();
      expect(transport.cardKind).toBe('contactless');
      expect(decodeAtr(atr).kind).toBe('contactless');
      return await body(await PbocSession.open(new CardChannel(transport), { atr }));
    } finally {
      await transport.close();
    }
  }

  async function sscard(...args: string[]) {
    const io = memoryIo();
    const code = await runCli([...args, '--reader', SLOT1.reader], io);
    return { code, out: io.text(), err: io.errText() };
  }

  it('selects through the PPSE (decided by the synthesized ATR) and reads the card', async () => {
    await withSession(async (s) => {
      expect(s.contactless).toBe(true);
      expect(s.aid).toBe('A000000333010101');
      const info = await s.readCardInfo();
      expect(info).toMatchObject({ pan: '621700*********4565', expiryDate: '2032-11-16', cardholderName: 'ZHANG/XIAOMING' });
      expect(await s.readElectronicCash()).toMatchObject({ balanceFen: 20000, singleTransactionLimitFen: 10000 });
    });
  });

  it('quickPay: approved purchase with a cryptogram the issuer verifies, a declined one, and the log', async () => {
    const keys = await SoftwareKeyProvider.fromFile(profileKeysPath('default'));
    await withSession(async (s) => {
      const paid = await s.quickPay(1234, TERMINAL);
      expect(paid).toMatchObject({ approved: true, type: 'TC', balanceAfterFen: 18766 });
      expect(await verifyApplicationCryptogram(keys, paid)).toBe(true);
      const declined = await s.quickPay(10001, TERMINAL);
      expect(declined).toMatchObject({ approved: false, type: 'AAC', declineReasons: ['over-single-limit'] });
      expect(await s.readElectronicCashBalance()).toBe(18766);
      const log = await s.readTransactionLog();
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ date: '2025-11-16', amountFen: 1234, atc: paid.atc });
      const arqc = await s.requestCryptogram('ARQC', 500, TERMINAL);
      expect(await verifyApplicationCryptogram(keys, arqc)).toBe(true);
    });
  });

  it('sscard bank info | balance | pay | log through the reader', async () => {
    const info = await sscard('bank', 'info');
    expect(info.code).toBe(0);
    expect(info.out).toMatch(/Card number +621700\*{9}4565/);
    const pay = await sscard('bank', 'pay', '0.66', '--yes');
    expect(pay.code).toBe(0);
    expect(pay.out).toMatch(/^approved: 0\.66 yuan .*balance 187\.00 yuan\n$/);
    const balance = await sscard('bank', 'balance', '--json');
    expect(JSON.parse(balance.out).balanceFen).toBe(18700);
    const log = await sscard('bank', 'log', '--json');
    expect(JSON.parse(log.out).map((e: { amountFen: number }) => e.amountFen)).toEqual([66, 1234]);
    const refused = await sscard('bank', 'pay', '500', '--yes');
    expect(refused.code).toBe(4);
    expect(refused.err).toMatch(/declined/);
  });
});
