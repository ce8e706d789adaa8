import { describe, expect, it } from 'vitest';
import { ApduError } from '../../src/apdu/apdu-error.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { SoftwarePurseSam } from '../../src/applications/purse/purse-keys.js';
import { TransportPurseSession } from '../../src/applications/purse/transport-purse-session.js';
import { SecurityError } from '../../src/errors.js';
import { openSampleCard } from '../support/emulated-card.js';
import { purseCard, purseKeyFile, purseSam, TERM } from './purse-test-card.js';

const AT = new Date(2024, 2, 15, 10, 15, 30);
const terminal = { terminalId: TERM, at: AT };

async function session(options: Parameters<typeof purseCard>[0] = {}) {
  const card = purseCard({ contactless: false, ...options });
  return { card, purse: await TransportPurseSession.open(await card.channel()) };
}

describe('TransportPurseSession on the default card (contact, T=0)', () => {
  it('reads balance, card information, transactions and trips', async () => {
    const { purse } = await session();
    expect(await purse.readBalance()).toEqual({ fen: 5000, yuan: '50.00' });
    expect(await purse.readCardInfo()).toMatchObject({
      cardNumber: '33030000360984273876',
      asn8: '0000360984273876',
      validFrom: '2022-11-16',
      validUntil: '2032-11-16',
      applicationType: 2,
    });
    expect(await purse.readTransactions()).toEqual([]);
    expect(await purse.readTrips()).toEqual([]);
  });

  for (const algorithm of ['3des', 'sm4'] as const) {
    it(`${algorithm}: loads, pays and rides the metro with MAC2 and TAC verified, and the records say so`, async () => {
      const { purse } = await session({ algorithm });
      const keys = purseSam('default', algorithm);
      const load = await purse.load(12_345, terminal, keys);
      expect(load).toMatchObject({
        balanceBeforeFen: 5000,
        balanceAfterFen: 17_345,
        onlineAtc: 0,
        algorithm,
        keyVersion: 1,
        tacVerified: true,
      });
      const pay = await purse.purchase(345, { ...terminal, transactionSeq: 77 }, keys);
      expect(pay).toMatchObject({ balanceAfterFen: 17_000, offlineAtc: 0, tacVerified: true, compound: false });
      await purse.purchase(0, { ...terminal, transactionSeq: 78 }, keys, { trip: { kind: 'entry', station: '00010203' } });
      const exit = await purse.purchase(400, { ...terminal, transactionSeq: 79 }, keys, {
        trip: { kind: 'exit', station: '00010209' },
        cappRecord: `02${'00'.repeat(47)}`,
      });
      expect(exit).toMatchObject({ balanceAfterFen: 16_600, offlineAtc: 2, compound: true, tacVerified: true });
      expect((await purse.readBalance()).fen).toBe(16_600);
      const log = await purse.readTransactions();
      expect(log.map((t) => [t.kind, t.amountFen, t.atc])).toEqual([
        ['compound-purchase', 400, 2],
        ['compound-purchase', 0, 1],
        ['ep-purchase', 345, 0],
        ['ep-load', 12_345, 0],
      ]);
      expect(log[0]).toMatchObject({ terminalId: TERM, dateTime: '2024-03-15T10:15:30', amountYuan: '4.00' });
      const trips = await purse.readTrips();
      expect(trips.map((t) => [t.kind, t.amountFen, t.balanceAfterFen, t.station])).toEqual([
        ['exit', 400, 16_600, '00010209'],
        ['entry', 0, 17_000, '00010203'],
      ]);
    });
  }

  it('the cyclic detail file keeps the 10 most recent transactions', async () => {
    const { purse } = await session();
    const keys = purseSam();
    for (let i = 1; i <= 12; i++) await purse.purchase(i, { ...terminal, transactionSeq: i }, keys);
    const log = await purse.readTransactions();
    expect(log.map((t) => t.amountFen)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect((await purse.readBalance()).fen).toBe(5000 - 78);
  });

  it('refuses a load past 1000 yuan (6A80) and a purchase beyond the balance (9401): balance untouched', async () => {
    const { purse } = await session();
    const keys = purseSam();
    await expect(purse.load(95_001, terminal, keys)).rejects.toMatchObject({ sw: 0x6a80 });
    await expect(purse.purchase(5001, terminal, keys)).rejects.toMatchObject({ sw: 0x9401 });
    await expect(purse.purchase(5001, terminal, keys)).rejects.toBeInstanceOf(ApduError);
    expect((await purse.readBalance()).fen).toBe(5000);
  });

  it('wrong load key: the card MAC1 does not verify, nothing is sent further, balance untouched', async () => {
    const { purse } = await session();
    const file = purseKeyFile();
    file.purse.load!.master = '00112233445566778899AABBCCDDEEFF';
    await expect(purse.load(100, terminal, new SoftwarePurseSam(file))).rejects.toBeInstanceOf(SecurityError);
    expect((await purse.readBalance()).fen).toBe(5000);
  });

  it('wrong purchase key: the card refuses MAC1 with 9302, nothing debited', async () => {
    const { purse } = await session();
    const file = purseKeyFile();
    file.purse.purchase!.master = '00112233445566778899AABBCCDDEEFF';
    await expect(purse.purchase(100, terminal, new SoftwarePurseSam(file))).rejects.toMatchObject({ sw: 0x9302 });
    expect((await purse.readBalance()).fen).toBe(5000);
    expect(await purse.readTransactions()).toEqual([]);
  });

  it('a TAC that does not verify is a SecurityError (the card did complete the load)', async () => {
    const { purse } = await session();
    const file = purseKeyFile();
    file.purse.tac!.master = '00112233445566778899AABBCCDDEEFF';
    await expect(purse.load(100, terminal, new SoftwarePurseSam(file))).rejects.toThrow(/TAC/);
    expect((await purse.readBalance()).fen).toBe(5100);
  });

  it('a plain KeyProvider loads and pays but reports the TAC unverified', async () => {
    const { purse } = await session();
    const keys = new SoftwareKeyProvider(purseKeyFile());
    expect((await purse.load(100, terminal, keys)).tacVerified).toBe(false);
    expect((await purse.purchase(100, terminal, keys)).tacVerified).toBe(false);
  });

  it('a key set whose algorithm differs from the card is an input error before any MAC', async () => {
    const { purse } = await session({ algorithm: 'sm4' });
    await expect(purse.load(100, terminal, purseSam('default', '3des'))).rejects.toMatchObject({ code: 'EINPUT' });
  });

  it('checks its inputs', async () => {
    const { purse } = await session();
    const keys = purseSam();
    await expect(purse.load(0, terminal, keys)).rejects.toMatchObject({ code: 'EINPUT' });
    await expect(purse.load(1.5, terminal, keys)).rejects.toMatchObject({ code: 'EINPUT' });
    await expect(purse.load(100, { terminalId: '1122' }, keys)).rejects.toMatchObject({ code: 'EINPUT' });
    await expect(purse.purchase(100, { ...terminal, keyIndex: 0 }, keys)).rejects.toMatchObject({ code: 'EINPUT' });
  });

  it('works on the shipped cards through their key files: default and ss-2.00; ss-1.00 has no purse', async () => {
    for (const profile of ['default', 'ss-2.00']) {
      const { channel } = await openSampleCard(profile);
      const purse = await TransportPurseSession.open(channel);
      const keys = await SoftwarePurseSam.fromFile(`emulator/profiles/${profile}.keys.json`);
      const before = (await purse.readBalance()).fen;
      await purse.load(1000, terminal, keys);
      await purse.purchase(1, terminal, keys);
      expect((await purse.readBalance()).fen).toBe(before + 999);
    }
    const { channel } = await openSampleCard('ss-1.00');
    await expect(TransportPurseSession.open(channel)).rejects.toMatchObject({ code: 'ENOAPP' });
  });
});
