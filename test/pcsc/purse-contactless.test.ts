// The transport e-purse through the real PC/SC stack, contactless: the emulated default card in
// vpcd's second slot with its synthesized contactless ATR (the form a recharge kiosk or a metro
// gate sees over NFC), reached through pcscd by PcscTransport, the SDK session and `sscard purse`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard, profileKeysPath } from '../../emulator/index.js';
import { decodeAtr } from '../../src/apdu/atr.js';
import { SoftwarePurseSam } from '../../src/applications/purse/purse-keys.js';
import { TransportPurseSession } from '../../src/applications/purse/transport-purse-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { PcscTransport } from '../../src/transport/pcsc-transport.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/purse-contactless.test.ts');
const TERMINAL = { terminalId: '310000000042', at: new Date(2025, 10, 16, 8, 30, 0) };

describe.skipIf(!enabled)('transport e-purse over pcscd + vpcd, contactless slot', () => {
  let remove: () => Promise<void> = async () => {};
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscard-purse-pcsc-'));
    const card = openCard({ profile: 'default', state: join(dir, 'card.json'), cardInterface: 'contactless', logger: memoryLogger() });
    ({ remove } = await insertCard(card, SLOT1));
  });
  afterAll(async () => {
    await remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function withPurse<T>(body: (s: TransportPurseSession) => Promise<T>): Promise<T> {
    const transport = new PcscTransport({ reader: SLOT1.reader, timeoutMs: 5000 });
    try {
      const atr = await transport.connect();
      expect(transport.cardKind).toBe('contactless');
      expect(decodeAtr(atr).contactless?.form).toBe('iso14443-4');
      return await body(await TransportPurseSession.open(new CardChannel(transport)));
    } finally {
      await transport.close();
    }
  }

  it('loads, pays, rides the metro and reads it all back, MAC2 and TAC verified', async () => {
    const keys = await SoftwarePurseSam.fromFile(profileKeysPath('default'));
    await withPurse(async (s) => {
      expect((await s.readBalance()).fen).toBe(5000);
      expect((await s.readCardInfo()).asn8).toBe('0000360984273876');
      expect(await s.load(10_000, TERMINAL, keys)).toMatchObject({ balanceAfterFen: 15_000, tacVerified: true });
      expect(await s.purchase(150, { ...TERMINAL, transactionSeq: 9 }, keys)).toMatchObject({ balanceAfterFen: 14_850, tacVerified: true });
      await s.purchase(0, { ...TERMINAL, transactionSeq: 10 }, keys, { trip: { kind: 'entry', station: '0001000A' } });
      await s.purchase(300, { ...TERMINAL, transactionSeq: 11 }, keys, { trip: { kind: 'exit', station: '0001000F' } });
    });
    // A second tap (new connection) sees what the first one left.
    await withPurse(async (s) => {
      expect((await s.readBalance()).fen).toBe(14_550);
      expect((await s.readTransactions()).map((t) => t.kind)).toEqual(['compound-purchase', 'compound-purchase', 'ep-purchase', 'ep-load']);
      expect((await s.readTrips()).map((t) => [t.kind, t.station])).toEqual([
        ['exit', '0001000F'],
        ['entry', '0001000A'],
      ]);
    });
  });

  it('refuses over the limit (6A80) and beyond the balance (9401) without touching the balance', async () => {
    const keys = await SoftwarePurseSam.fromFile(profileKeysPath('default'));
    await withPurse(async (s) => {
      const before = (await s.readBalance()).fen;
      await expect(s.load(100_000 - before + 1, TERMINAL, keys)).rejects.toMatchObject({ sw: 0x6a80 });
      await expect(s.purchase(before + 1, TERMINAL, keys)).rejects.toMatchObject({ sw: 0x9401 });
      expect((await s.readBalance()).fen).toBe(before);
    });
  });

  it('sscard purse balance|load|log --reader talk to the card in the contactless slot', async () => {
    const run = async (...args: string[]) => {
      const io = memoryIo();
      const code = await runCli([...args, '--reader', SLOT1.reader], io);
      return { code, out: io.text(), err: io.errText() };
    };
    expect((await run('purse', 'balance')).out).toMatch(/Balance\s+145\.50 yuan/);
    const load = await run('purse', 'load', '4.50', '--keys', profileKeysPath('default'), '--yes');
    expect(load.out).toMatch(/balance 150\.00 yuan .*verified/);
    expect((await run('purse', 'log')).out.split('\n')[0]).toMatch(/ep-load\s+\+\s+4\.50/);
  });
});
