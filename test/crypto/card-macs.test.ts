import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import {
  CryptoError,
  diversify3des,
  diversifyPath,
  diversifySm4,
  type EpurseAlgorithm,
  epurseLoadMac1,
  epurseLoadMac2,
  epurseLoadSessionKey,
  epurseLoadTac,
  epursePurchaseMac1,
  epursePurchaseMac2,
  epursePurchaseSessionKey,
  epursePurchaseTac,
  epurseTacKey,
  pbocMac3des,
  pinProof,
  retailMac,
  sm4SecureMessagingMac,
  x919RetailMac,
} from '../../src/crypto/index.js';
import { loadVectors } from './load-vectors.js';
import * as ref from './reference/card-mac-reference.js';

interface CardMacs {
  retailMac: { key: string; iv: string; padding: 'iso9797-m1' | 'iso9797-m2'; data: string; mac: string }[];
  pbocMac3des: { key: string; challenge: string; data: string; mac: string; macFull3des: string }[];
  sm4SecureMessagingMac: { key: string; challenge: string; data: string; mac: string }[];
  diversify: { masterKey: string; factor: string; des3: string; sm4: string }[];
  pinProof: { pin: string; challenge: string; proof: string }[];
}

const macs = loadVectors<CardMacs>('card-macs.json');

describe('card MACs against test-vectors/card-macs.json', () => {
  it('the independent reference still produces the file (guards the vectors themselves)', () => {
    for (const v of macs.retailMac) expect(ref.refRetailMac(v.key, v.data, v.iv, v.padding === 'iso9797-m1' ? 'm1' : 'm2')).toBe(v.mac);
    for (const v of macs.sm4SecureMessagingMac) expect(ref.refSm4SmMac(v.key, v.challenge, v.data)).toBe(v.mac);
  });

  it('retail MAC (ISO 9797-1 alg. 3) and X9.19', () => {
    for (const v of macs.retailMac) {
      expect(toHex(retailMac(fromHex(v.key), fromHex(v.data), { iv: fromHex(v.iv), padding: v.padding }))).toBe(v.mac);
      if (v.padding === 'iso9797-m1') expect(toHex(x919RetailMac(fromHex(v.key), fromHex(v.data)))).toBe(v.mac);
    }
  });

  it('PBOC 3DES MAC, retail and full-3DES variants', () => {
    for (const v of macs.pbocMac3des) {
      expect(toHex(pbocMac3des(fromHex(v.key), fromHex(v.challenge), fromHex(v.data)))).toBe(v.mac);
      expect(toHex(pbocMac3des(fromHex(v.key), fromHex(v.challenge), fromHex(v.data), { variant: 'full' }))).toBe(v.macFull3des);
    }
  });

  it('3rd-gen SM4 secure-messaging MAC with 8- and 16-byte challenges', () => {
    for (const v of macs.sm4SecureMessagingMac) {
      expect(toHex(sm4SecureMessagingMac(fromHex(v.key), fromHex(v.challenge), fromHex(v.data)))).toBe(v.mac);
    }
  });

  it('key diversification (3DES and SM4) and multi-level paths', () => {
    for (const v of macs.diversify) {
      expect(toHex(diversify3des(fromHex(v.masterKey), fromHex(v.factor)))).toBe(v.des3);
      expect(toHex(diversifySm4(fromHex(v.masterKey), fromHex(v.factor)))).toBe(v.sm4);
    }
    const [a, b] = macs.diversify;
    const twoLevels = diversifyPath(fromHex(a!.masterKey), [fromHex(a!.factor), fromHex(b!.factor)], '3des');
    expect(toHex(twoLevels)).toBe(toHex(diversify3des(diversify3des(fromHex(a!.masterKey), fromHex(a!.factor)), fromHex(b!.factor))));
  });

  it('PIN proofs, odd-length PINs F-padded', () => {
    for (const v of macs.pinProof) expect(toHex(pinProof(v.pin, fromHex(v.challenge)))).toBe(v.proof);
  });
});

interface PurseCase {
  keys: { dlk: string; dpk: string; dtk: string };
  fields: Record<string, string>;
  load: { sessionKey: string; mac1: string; mac2: string; tac: string };
  purchase: { sessionKey: string; mac1: string; mac2: string; tac: string };
  tacKey: string;
}
const purse = loadVectors<Record<EpurseAlgorithm, PurseCase>>('epurse.json');

describe('e-purse formulas against test-vectors/epurse.json', () => {
  for (const alg of ['3des', 'sm4'] as const) {
    it(`${alg}: session keys, MAC1, MAC2 and TAC for load and purchase`, () => {
      const v = purse[alg];
      const f = v.fields;
      const num = (h: string) => Number.parseInt(h, 16);
      const common = { terminalId: fromHex(f.terminalId!), date: fromHex(f.date!), time: fromHex(f.time!), amount: num(f.amount!) };
      const sLoad = epurseLoadSessionKey(fromHex(v.keys.dlk), fromHex(f.rand!), num(f.onlineAtc!), alg);
      expect(toHex(sLoad)).toBe(v.load.sessionKey);
      const tacKey = epurseTacKey(fromHex(v.keys.dtk), alg);
      expect(toHex(tacKey)).toBe(v.tacKey);
      const loadType = num(f.loadType!);
      expect(toHex(epurseLoadMac1({ ...common, sessionKey: sLoad, balance: num(f.balance!), transactionType: loadType }))).toBe(
        v.load.mac1,
      );
      expect(toHex(epurseLoadMac2({ ...common, sessionKey: sLoad, transactionType: loadType }))).toBe(v.load.mac2);
      expect(
        toHex(
          epurseLoadTac({ ...common, tacKey, newBalance: num(f.newBalance!), onlineAtc: num(f.onlineAtc!), transactionType: loadType }),
        ),
      ).toBe(v.load.tac);

      const sPur = epursePurchaseSessionKey(fromHex(v.keys.dpk), fromHex(f.rand!), num(f.offlineAtc!), num(f.termSeq!), alg);
      expect(toHex(sPur)).toBe(v.purchase.sessionKey);
      const purType = num(f.purchaseType!);
      expect(toHex(epursePurchaseMac1({ ...common, sessionKey: sPur, transactionType: purType }))).toBe(v.purchase.mac1);
      expect(toHex(epursePurchaseMac2({ sessionKey: sPur, amount: common.amount }))).toBe(v.purchase.mac2);
      expect(toHex(epursePurchaseTac({ ...common, tacKey, transactionType: purType, terminalTransactionSeq: num(f.termSeq!) }))).toBe(
        v.purchase.tac,
      );
    });
  }

  it('rejects out-of-range and wrong-length fields with a CryptoError naming the field', () => {
    const sessionKey = new Uint8Array(8);
    const bad = (fn: () => unknown, field: string) => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoError);
        expect((e as CryptoError).field).toBe(field);
      }
    };
    bad(() => epursePurchaseMac2({ sessionKey, amount: -1 }), 'amount');
    bad(() => epursePurchaseMac2({ sessionKey, amount: 2 ** 32 }), 'amount');
    bad(() => epursePurchaseMac2({ sessionKey: new Uint8Array(7), amount: 1 }), 'sessionKey');
    bad(
      () =>
        epursePurchaseMac1({
          sessionKey,
          amount: 1,
          transactionType: 6,
          terminalId: new Uint8Array(5),
          date: new Uint8Array(4),
          time: new Uint8Array(3),
        }),
      'terminalId',
    );
    bad(() => epurseLoadSessionKey(new Uint8Array(16), new Uint8Array(3), 1), 'random');
    bad(() => epurseLoadSessionKey(new Uint8Array(16), new Uint8Array(4), 70000), 'onlineAtc');
    bad(() => diversify3des(new Uint8Array(8), new Uint8Array(8)), 'masterKey');
    bad(() => pbocMac3des(new Uint8Array(16), new Uint8Array(4), new Uint8Array(1)), 'challenge');
  });
});
