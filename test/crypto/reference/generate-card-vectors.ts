// Regenerates test-vectors/card-macs.json and test-vectors/epurse.json from the independent
// reference in card-mac-reference.ts:  npx tsx test/crypto/reference/generate-card-vectors.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ref from './card-mac-reference.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-vectors');
const source =
  'Computed by test/crypto/reference/card-mac-reference.ts, an independent implementation of the card-facts.md §5/§6/§8 formulas written directly on node:crypto (it shares no code with src/crypto). Regenerate with `npx tsx test/crypto/reference/generate-card-vectors.ts`.';

const key16 = '0123456789ABCDEFFEDCBA9876543210';
const key16b = '57415443484441544154696D65546F6B';
const ch8 = '1122334455667788';
const ch16 = '00112233445566778899AABBCCDDEEFF';
const datas = ['', '0482000A10', '04D6820008AABBCCDDEEFF0011', '84E60000101234567890ABCDEF1234567890ABCDEF'];

const cardMacs = {
  source,
  retailMac: datas.flatMap((d) => [
    { key: key16, iv: '0000000000000000', padding: 'iso9797-m2', data: d, mac: ref.refRetailMac(key16, d) },
    { key: key16b, iv: '0000000000000000', padding: 'iso9797-m1', data: d, mac: ref.refRetailMac(key16b, d, '0000000000000000', 'm1') },
  ]),
  pbocMac3des: datas.map((d) => ({
    key: key16,
    challenge: ch8,
    data: d,
    mac: ref.refPbocMac(key16, ch8, d),
    macFull3des: ref.refFull3desMac(key16, ch8, d),
  })),
  sm4SecureMessagingMac: datas.flatMap((d) => [
    { key: key16, challenge: ch8, data: d, mac: ref.refSm4SmMac(key16, ch8, d) },
    { key: key16b, challenge: ch16, data: d, mac: ref.refSm4SmMac(key16b, ch16, d) },
  ]),
  diversify: [
    {
      masterKey: key16,
      factor: '0000000012345678',
      des3: ref.refDiversify3des(key16, '0000000012345678'),
      sm4: ref.refDiversifySm4(key16, '0000000012345678'),
    },
    {
      masterKey: key16b,
      factor: '3433303130307378',
      des3: ref.refDiversify3des(key16b, '3433303130307378'),
      sm4: ref.refDiversifySm4(key16b, '3433303130307378'),
    },
  ],
  pinProof: [
    { pin: '123456', challenge: '178CEDCF32C5D7990216632170C7CD37', proof: ref.refPinProof('123456', '178CEDCF32C5D7990216632170C7CD37') },
    { pin: '12345', challenge: ch16, proof: ref.refPinProof('12345', ch16) },
    { pin: '12345678', challenge: ch16, proof: ref.refPinProof('12345678', ch16) },
  ],
};

function purse(alg: '3des' | 'sm4') {
  const dlk = '11111111111111112222222222222222';
  const dpk = '33333333333333334444444444444444';
  const dtk = '55555555555555556666666666666666';
  const f = {
    rand: 'A1B2C3D4',
    onlineAtc: '0007',
    offlineAtc: '0015',
    termSeq: '00000123',
    balance: '000003E8',
    newBalance: '000007D0',
    amount: '000003E8',
    loadType: '02',
    purchaseType: '06',
    terminalId: '112233445566',
    date: '20240315',
    time: '101530',
  };
  const sLoad = ref.refSessionKeyLoad(alg, dlk, f.rand, f.onlineAtc);
  const sPur = ref.refSessionKeyPurchase(alg, dpk, f.rand, f.offlineAtc, f.termSeq);
  const tacKey = ref.refTacKey(alg, dtk);
  return {
    keys: { dlk, dpk, dtk },
    fields: f,
    load: {
      sessionKey: sLoad,
      mac1: ref.refPurseMac(alg, sLoad, f.balance + f.amount + f.loadType + f.terminalId),
      mac2: ref.refPurseMac(alg, sLoad, f.amount + f.loadType + f.terminalId + f.date + f.time),
      tac: ref.refPurseMac(alg, tacKey, f.newBalance + f.onlineAtc + f.amount + f.loadType + f.terminalId + f.date + f.time),
    },
    purchase: {
      sessionKey: sPur,
      mac1: ref.refPurseMac(alg, sPur, f.amount + f.purchaseType + f.terminalId + f.date + f.time),
      mac2: ref.refPurseMac(alg, sPur, f.amount),
      tac: ref.refPurseMac(alg, tacKey, f.amount + f.purchaseType + f.terminalId + f.termSeq + f.date + f.time),
    },
    tacKey,
  };
}

const epurse = {
  source: `${source} The 3des form follows the published formulas (card-facts §8); the sm4 form is this project's design by analogy (see src/crypto/epurse-mac.ts), so its values pin our design, not a card's.`,
  '3des': purse('3des'),
  sm4: purse('sm4'),
};

writeFileSync(join(out, 'card-macs.json'), `${JSON.stringify(cardMacs, null, 2)}\n`);
writeFileSync(join(out, 'epurse.json'), `${JSON.stringify(epurse, null, 2)}\n`);
console.log('wrote card-macs.json and epurse.json');
