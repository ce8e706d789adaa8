import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../emulator/profile-loader.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { SAMPLE_CARDS } from '../../scripts/profiles/cards.js';
import { pbocPart } from '../../scripts/profiles/pboc-part.js';
import { PinError } from '../../src/apdu/apdu-error.js';
import { ApplicationNotFoundError } from '../../src/applications/application-not-found-error.js';
import { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { verifyApplicationCryptogram } from '../../src/applications/pboc/application-cryptogram.js';
import { maskPan } from '../../src/applications/pboc/pan.js';
import { PbocSession } from '../../src/applications/pboc/pboc-session.js';
import { formatYuan } from '../../src/bytes/amount.js';
import { toHex } from '../../src/bytes/hex.js';
import { InputError } from '../../src/errors.js';
import { bankCard, DEFAULT_PAN, issuerCryptogram, openSession, sampleKeys, sampleMasterKey } from './pboc-helpers.js';

const TERMINAL = { date: '2025-11-16', unpredictableNumber: Uint8Array.of(1, 2, 3, 4) };

describe('PbocSession: application selection', () => {
  it('contact ATR → PSE; synthesized contactless ATR (3B 8x 80 01) → PPSE; both find the debit AID', async () => {
    for (const cardInterface of ['contact', 'contactless'] as const) {
      const c = bankCard(cardInterface);
      const seen: string[] = [];
      c.channel.onTrace((e) => {
        seen.push(e.command.replace(/ /g, ''));
      });
      const atr = await c.transport.connect();
      const s = await PbocSession.open(c.channel, { atr });
      expect(s.contactless).toBe(cardInterface === 'contactless');
      expect(s.aid).toBe('A000000333010101');
      expect(s.label).toBe('PBOC DEBIT');
      expect(s.candidates).toEqual([{ aid: 'A000000333010101', label: 'PBOC DEBIT', priority: 1 }]);
      expect(s.logEntry).toEqual({ sfi: 11, records: 10 });
      expect(s.pdol.map((e) => e.tag.toString(16))).toEqual(['9f66', '9f02', '9f03', '9f1a', '95', '5f2a', '9a', '9c', '9f37']);
      const dir = cardInterface === 'contact' ? '315041592E5359532E4444463031' : '325041592E5359532E4444463031';
      expect(seen[0]).toContain(dir);
    }
  });

  it('a card without the bank application: ApplicationNotFoundError', async () => {
    const c = bankCard('contact', 'ss-2.00');
    await expect(PbocSession.open(c.channel, { atr: await c.transport.connect() })).rejects.toBeInstanceOf(ApplicationNotFoundError);
  });
});

describe('PbocSession: reading', () => {
  it('readCardInfo masks the PAN by default (first 6, last 4); unmasked on request; ISO dates; name', async () => {
    const { session } = await openSession('contact');
    const info = await session.readCardInfo();
    expect(info).toMatchObject({
      aid: 'A000000333010101',
      pan: '621700*********4565',
      panMasked: true,
      panSequenceNumber: 1,
      expiryDate: '2032-11-16',
      effectiveDate: '2022-11-16',
      cardholderName: 'ZHANG/XIAOMING',
      issuerCountry: '0156',
    });
    expect((await session.readCardInfo({ unmasked: true })).pan).toBe(DEFAULT_PAN);
    expect(maskPan('1234567890123456')).toBe('123456******3456');
  });

  it('readCardInfo works contactless too (full PBOC TTQ: no purchase), counting in the ATC', async () => {
    const { session } = await openSession('contactless');
    expect((await session.readCardInfo()).pan).toBe('621700*********4565');
    expect(await session.readElectronicCashBalance()).toBe(20000);
    expect(await session.readAtc()).toBe(1);
  });

  it('electronic cash: balance and limits in fen', async () => {
    const { session } = await openSession('contact');
    expect(await session.readElectronicCash()).toEqual({
      balanceFen: 20000,
      balanceLimitFen: 100000,
      singleTransactionLimitFen: 10000,
      currencyCode: '0156',
    });
    expect(formatYuan(await session.readElectronicCashBalance())).toBe('200.00');
    expect(await session.readLastOnlineAtc()).toBe(0);
  });

  it('the transaction log is empty on a new card and parsed with 9F4F after purchases', async () => {
    const { session } = await openSession('contactless');
    expect(await session.readTransactionLog()).toEqual([]);
    await session.quickPay(1500, TERMINAL);
    await session.quickPay(250, { ...TERMINAL, date: '2025-12-31' });
    const log = await session.readTransactionLog();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      date: '2025-12-31',
      amountFen: 250,
      otherAmountFen: 0,
      countryCode: '0156',
      currencyCode: '0156',
      transactionType: 0,
      atc: 2,
    });
    expect(log[1]).toMatchObject({ date: '2025-11-16', amountFen: 1500, atc: 1 });
    expect(log[1]!.fields['9F02']).toBe('000000001500');
  });
});

describe('PbocSession: offline PIN', () => {
  it('wrong PIN: PinError with tries left; right PIN restores the counter', async () => {
    const { session } = await openSession('contact');
    expect(await session.offlinePinTriesLeft()).toBe(3);
    const error = await session.verifyOfflinePin('000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PinError);
    expect((error as PinError).triesLeft).toBe(2);
    expect(await session.offlinePinTriesLeft()).toBe(2);
    expect(await session.offlinePinVerified()).toBe(false);
    await session.verifyOfflinePin('123456');
    expect(await session.offlinePinVerified()).toBe(true);
    expect(await session.offlinePinTriesLeft()).toBe(3);
    await expect(session.verifyOfflinePin('12a')).rejects.toBeInstanceOf(InputError);
  });
});

describe('PbocSession.quickPay (qPBOC electronic cash)', () => {
  it('approves, debits and returns a cryptogram that verifyApplicationCryptogram and an independent issuer both accept', async () => {
    const { session } = await openSession('contactless');
    const r = await session.quickPay(1234, TERMINAL);
    expect(r).toMatchObject({
      approved: true,
      type: 'TC',
      cid: 0x40,
      atc: 1,
      amountFen: 1234,
      balanceAfterFen: 18766,
      pan: DEFAULT_PAN,
      panSequenceNumber: 1,
      declineReasons: [],
    });
    expect(await session.readElectronicCashBalance()).toBe(18766);
    expect(await verifyApplicationCryptogram(sampleKeys(), r)).toBe(true);
    expect(toHex(r.cryptogram)).toBe(
      issuerCryptogram(sampleMasterKey(), { pan: DEFAULT_PAN, psn: 1, atc: 1, transactionData: r.transactionData, aip: r.aip, iad: r.iad }),
    );
    // A changed amount or ATC does not verify.
    const tampered = { ...r, atc: 2 };
    expect(await verifyApplicationCryptogram(sampleKeys(), tampered)).toBe(false);
    const data = r.transactionData.slice();
    data[9] = 0x99;
    expect(await verifyApplicationCryptogram(sampleKeys(), { ...r, transactionData: data })).toBe(false);
  });

  it('declines (AAC) zero, over-limit and over-balance amounts without touching the balance', async () => {
    const { session } = await openSession('contactless');
    expect(await session.quickPay(0, TERMINAL)).toMatchObject({ approved: false, type: 'AAC', declineReasons: ['zero-amount'] });
    expect(await session.quickPay(10001, TERMINAL)).toMatchObject({ approved: false, declineReasons: ['over-single-limit'] });
    expect(await session.quickPay(30000, TERMINAL)).toMatchObject({
      approved: false,
      declineReasons: ['over-single-limit', 'insufficient-balance'],
    });
    const declined = await session.quickPay(10001, TERMINAL);
    expect(await verifyApplicationCryptogram(sampleKeys(), declined)).toBe(true);
    expect(await session.readElectronicCashBalance()).toBe(20000);
    expect(await session.readTransactionLog()).toEqual([]);
    await expect(session.quickPay(-1)).rejects.toBeInstanceOf(InputError);
    await expect(session.quickPay(1.5)).rejects.toBeInstanceOf(InputError);
  });

  it('needs the contactless interface', async () => {
    const { session } = await openSession('contact');
    await expect(session.quickPay(100, TERMINAL)).rejects.toBeInstanceOf(InputError);
  });

  it('ATC exhausted: quickPay and readCardInfo fail with 6985, the ATC reads 65535', async () => {
    const { session, card } = await openSession('contactless');
    await session.readAtc();
    (card.context.applicationData['pboc-debit'] as { atc: number }).atc = 65535;
    await expect(session.quickPay(100, TERMINAL)).rejects.toMatchObject({ sw: 0x6985 });
    await expect(session.readCardInfo()).rejects.toMatchObject({ sw: 0x6985 });
    expect(await session.readAtc()).toBe(65535);
  });
});

describe('PbocSession.requestCryptogram (GENERATE AC) verified by the issuer', () => {
  for (const type of ['ARQC', 'TC', 'AAC'] as const) {
    it(`${type} on contact (SM4 card)`, async () => {
      const { session } = await openSession('contact');
      const ac = await session.requestCryptogram(type, 888, TERMINAL);
      expect(ac.type).toBe(type);
      expect(ac.atc).toBe(1);
      expect(ac.iad[7]).toBe(0x01); // SM4
      expect(await verifyApplicationCryptogram(sampleKeys(), ac)).toBe(true);
      expect(toHex(ac.cryptogram)).toBe(
        issuerCryptogram(sampleMasterKey(), {
          pan: DEFAULT_PAN,
          psn: 1,
          atc: 1,
          transactionData: ac.transactionData,
          aip: ac.aip,
          iad: ac.iad,
        }),
      );
    });
  }

  it('a 3DES card (pbocPart acAlgorithm 3des) verifies with its 3DES master key', async () => {
    const card = SAMPLE_CARDS.find((c) => c.profileName === 'default')!;
    const profile = loadProfile(resolveProfilePath('default'));
    const part = pbocPart(card, { acAlgorithm: '3des' })!;
    const adfIndex = profile.mf.children!.findIndex((f) => f.kind === 'df' && f.dfName === 'A000000333010101');
    profile.mf.children![adfIndex] = part.files[2]!;
    const { session } = await openSession('contactless', profile);
    const keys = new SoftwareKeyProvider({ pboc: part.masterKeys! });
    const ac = await session.requestCryptogram('ARQC', 100, TERMINAL);
    expect(ac.iad[7]).toBe(0x00);
    expect(await verifyApplicationCryptogram(keys, ac)).toBe(true);
    expect(toHex(ac.cryptogram)).toBe(
      issuerCryptogram(part.masterKeys!.ac!, {
        pan: DEFAULT_PAN,
        psn: 1,
        atc: 1,
        transactionData: ac.transactionData,
        aip: ac.aip,
        iad: ac.iad,
      }),
    );
    const pay = await session.quickPay(100, TERMINAL);
    expect(await verifyApplicationCryptogram(keys, pay)).toBe(true);
    // The SM4 keys do not verify a 3DES card's cryptogram.
    expect(await verifyApplicationCryptogram(sampleKeys(), pay)).toBe(false);
  });

  it('the shipped default profile matches what pbocPart builds', () => {
    const shipped = loadProfile(resolveProfilePath('default'));
    const adf = shipped.mf.children!.find((f) => f.kind === 'df' && f.dfName === 'A000000333010101');
    expect(adf).toEqual(pbocPart(SAMPLE_CARDS[0]!)!.files[2]);
  });
});
