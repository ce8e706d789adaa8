// Known answers for the social security card's security formulas (card-spec §1.1, §4.3, §5), each
// expected value computed here by a second route — node:crypto's SM4/DES block operations — and
// compared with src/crypto/card-security.ts and card-key-factors.ts. Inputs are fixed; the randoms
// and originals are the real card log's bytes (card-spec §6.10–6.11).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diversificationFactor, diversificationFactors } from '../../src/crypto/card-key-factors.js';
import {
  authenticationData,
  type CardKeyCipher,
  cardMac,
  decryptDataField,
  deriveSessionKey,
  diversifyCardKey,
  diversifyCardKeyLevels,
  encryptDataField,
  encryptedFieldLength,
  secureMessagingMac,
} from '../../src/crypto/card-security.js';
import { CryptoError } from '../../src/crypto/crypto-error.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const show = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);
const not = (a: Uint8Array): Uint8Array => a.map((x) => ~x & 0xff);

// ---- the second route: node:crypto, one ECB block operation at a time ------------------------------

/** sm4: 16-byte key; 3des: 16-byte KL‖KR (EDE2); des: an 8-byte key, run as EDE3 with K‖K‖K. */
function nodeCipher(cipher: CardKeyCipher, key: Uint8Array): { name: string; key: Buffer } {
  if (cipher === 'sm4') return { name: 'sm4-ecb', key: Buffer.from(key) };
  if (cipher === '3des') return { name: 'des-ede-ecb', key: Buffer.from(key) };
  return { name: 'des-ede3-ecb', key: Buffer.concat([key, key, key]) };
}

function refEncrypt(cipher: CardKeyCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  const { name, key: k } = nodeCipher(cipher, key);
  const engine = createCipheriv(name, k, null).setAutoPadding(false);
  return Uint8Array.from(Buffer.concat([engine.update(data), engine.final()]));
}

function refDecrypt(cipher: CardKeyCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  const { name, key: k } = nodeCipher(cipher, key);
  const engine = createDecipheriv(name, k, null).setAutoPadding(false);
  return Uint8Array.from(Buffer.concat([engine.update(data), engine.final()]));
}

const blockOf = (cipher: CardKeyCipher): number => (cipher === 'sm4' ? 16 : 8);
/** The session key's algorithm: an 8-byte DES key for both DES families (card-spec §5.1). */
const sessionAlgorithm = (cipher: CardKeyCipher): CardKeyCipher => (cipher === 'sm4' ? 'sm4' : 'des');

/** card-spec §4.3: DES(K, F); 3DES(K, F) ‖ 3DES(K, ¬F); SM4(K, F ‖ ¬F). */
function refDiversify(cipher: CardKeyCipher, parent: Uint8Array, factor: Uint8Array): Uint8Array {
  if (cipher === 'des') return refEncrypt('des', parent, factor);
  if (cipher === '3des') return concat(refEncrypt('3des', parent, factor), refEncrypt('3des', parent, not(factor)));
  return refEncrypt('sm4', parent, concat(factor, not(factor)));
}

/** card-spec §5.1: the random padded right with 00 to one block, encrypted under the key. */
function refSessionKey(cipher: CardKeyCipher, key: Uint8Array, random: Uint8Array): Uint8Array {
  const input = new Uint8Array(blockOf(cipher));
  input.set(random);
  return refEncrypt(cipher, key, input);
}

/** card-spec §5.2: DES(SK, original); SM4: L ⊕ R of SM4(SK, original ‖ 00×8). */
function refAuthData(cipher: CardKeyCipher, key: Uint8Array, factor: Uint8Array, original: Uint8Array): Uint8Array {
  const sk = refSessionKey(cipher, key, factor);
  if (cipher !== 'sm4') return refEncrypt('des', sk, original);
  const out = refEncrypt('sm4', sk, concat(original, new Uint8Array(8)));
  return xor(out.subarray(0, 8), out.subarray(8, 16));
}

/** card-spec §5.3: pad 80 00… (always), IV zero, CBC; 8-byte blocks → first 4 bytes, 16 → XOR of the words. */
function refCbcMac(cipher: CardKeyCipher, key: Uint8Array, data: Uint8Array): Uint8Array {
  const block = blockOf(cipher);
  const padded = new Uint8Array(Math.floor(data.length / block + 1) * block);
  padded.set(data);
  padded[data.length] = 0x80;
  let chain: Uint8Array = new Uint8Array(block);
  for (let at = 0; at < padded.length; at += block) chain = refEncrypt(cipher, key, xor(chain, padded.subarray(at, at + block)));
  if (block === 8) return chain.slice(0, 4);
  return xor(xor(chain.subarray(0, 4), chain.subarray(4, 8)), xor(chain.subarray(8, 12), chain.subarray(12, 16)));
}

/** card-spec §5.4: LD ‖ data ‖ 80 00… only when not block-aligned. */
function refFieldPlaintext(cipher: CardKeyCipher, data: Uint8Array): Uint8Array {
  const block = blockOf(cipher);
  const field = new Uint8Array(Math.ceil((1 + data.length) / block) * block);
  field[0] = data.length;
  field.set(data, 1);
  if ((1 + data.length) % block !== 0) field[1 + data.length] = 0x80;
  return field;
}

// ---- fixed inputs ----------------------------------------------------------------------------------

/** Root keys per algorithm (arbitrary fixed test values; the des one is an 8-byte single-length key). */
const ROOTS: Record<CardKeyCipher, Uint8Array> = {
  sm4: hex('187C710F46199888ABE3AED61C2C698B'),
  '3des': hex('FC13ACB5751D170052A827F72DA80CCA'),
  des: hex('B0F5E674CC60C195'),
};
const CIPHERS: CardKeyCipher[] = ['sm4', '3des', 'des'];
/** The real card of card-spec §1.1 (TR1, region 519900): its 13 historical bytes. */
const TR1_HISTORICAL = hex('0081 4A4446 8660 5199 000001AC');
const TR1_CARD_FACTOR = hex('8660 5199 000001AC');
/** The real log's challenges and originals (card-spec §6.10–6.11). */
const RANDOM8 = hex('98B4D293D091C331');
const RANDOM4 = hex('98B4D293');
const RANDOM16 = hex('32D9E876ADB31BBF DBF7A936D0D18C9E');
const ORIGINAL = hex('E603E2CAADAF02B6');
const ORIGINAL_TR2 = hex('5B2AFCA5DD0ACDF2');

describe('the second route itself (node:crypto) on published vectors', () => {
  it('SM4 (GB/T 32907 example 1) and DES (the classic 133457799BBCDFF1 example) and EDE2 with KL = KR', () => {
    expect(show(refEncrypt('sm4', hex('0123456789ABCDEFFEDCBA9876543210'), hex('0123456789ABCDEFFEDCBA9876543210')))).toBe(
      '681EDF34D206965E86B3E94F536E4246',
    );
    expect(show(refEncrypt('des', hex('133457799BBCDFF1'), hex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
    expect(show(refEncrypt('3des', hex('133457799BBCDFF1133457799BBCDFF1'), hex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
  });
});

describe('diversification factors (card-spec §4.3, §1.1)', () => {
  const card = (regionCode: string) => ({ regionCode, historicalBytes: TR1_HISTORICAL });

  it('province factor: 2 region digits ‖ "0000sh"', () => {
    expect(show(diversificationFactor('province', card('330300')))).toBe('3333303030307368');
    expect(show(diversificationFactor('province', card('650100')))).toBe(show(ascii('650000sh')));
  });

  it('city factor: Zhejiang (33…) takes 4 digits ‖ "00sx", every other region its 6 digits ‖ "sx"', () => {
    expect(show(diversificationFactor('city', card('330300')))).toBe(show(ascii('3303' + '00sx')));
    expect(show(diversificationFactor('city', card('330300')))).toBe('3333303330307378');
    // A Zhejiang county: its last two digits are dropped, not kept.
    expect(show(diversificationFactor('city', card('330381')))).toBe(show(ascii('330300sx')));
    expect(show(diversificationFactor('city', card('650100')))).toBe(show(ascii('650100sx')));
    expect(show(diversificationFactor('city', card('650102')))).toBe(show(ascii('650102sx')));
  });

  it('card factor: historical bytes T6…TD of the real card', () => {
    expect(show(diversificationFactor('card', card('519900')))).toBe(show(TR1_CARD_FACTOR));
    expect(diversificationFactors(['province', 'city', 'card'], card('519900')).map(show)).toEqual(
      [ascii('510000sh'), ascii('519900sx'), TR1_CARD_FACTOR].map(show),
    );
  });

  it('refuses a region that is not 6 digits and fewer than 13 historical bytes', () => {
    expect(() => diversificationFactor('city', card('33030'))).toThrow(CryptoError);
    expect(() => diversificationFactor('card', { regionCode: '519900', historicalBytes: TR1_HISTORICAL.subarray(0, 12) })).toThrow(
      CryptoError,
    );
  });
});

describe('key diversification (card-spec §4.3)', () => {
  const factors = [ascii('330000sh'), ascii('330300sx'), TR1_CARD_FACTOR];

  for (const cipher of CIPHERS) {
    it(`${cipher}: each level, and the three-level chain province → city → card`, () => {
      const length = cipher === 'des' ? 8 : 16;
      let expected = ROOTS[cipher];
      for (const factor of factors) {
        const parent = expected;
        expected = refDiversify(cipher, parent, factor);
        expect(expected.length).toBe(length);
        expect(show(diversifyCardKey(cipher, parent, factor))).toBe(show(expected));
      }
      const factorsFromCard = diversificationFactors(['province', 'city', 'card'], {
        regionCode: '330300',
        historicalBytes: TR1_HISTORICAL,
      });
      expect(show(diversifyCardKeyLevels(cipher, ROOTS[cipher], factorsFromCard))).toBe(show(expected));
      // The root is not consumed by the chain.
      expect(show(diversifyCardKeyLevels(cipher, ROOTS[cipher], factors))).toBe(show(expected));
    });
  }

  it('3des: the two halves are 3DES(K, F) and 3DES(K, ¬F), distinct', () => {
    const child = diversifyCardKey('3des', ROOTS['3des'], TR1_CARD_FACTOR);
    expect(show(child.subarray(0, 8))).toBe(show(refEncrypt('3des', ROOTS['3des'], TR1_CARD_FACTOR)));
    expect(show(child.subarray(8))).toBe(show(refEncrypt('3des', ROOTS['3des'], not(TR1_CARD_FACTOR))));
  });

  it('refuses a factor that is not 8 bytes', () => {
    expect(() => diversifyCardKey('sm4', ROOTS.sm4, ascii('330300s'))).toThrow(CryptoError);
  });
});

describe('session keys (card-spec §5.1)', () => {
  for (const cipher of CIPHERS) {
    const randoms = cipher === 'sm4' ? [RANDOM4, RANDOM8, RANDOM16] : [RANDOM4, RANDOM8];
    for (const random of randoms) {
      it(`${cipher}: ${random.length}-byte random padded with 00 to one block`, () => {
        const sk = deriveSessionKey(cipher, ROOTS[cipher], random);
        expect(sk.length).toBe(cipher === 'sm4' ? 16 : 8);
        expect(show(sk)).toBe(show(refSessionKey(cipher, ROOTS[cipher], random)));
      });
    }
  }

  it('3des: the 8-byte key is DES_KL(DES⁻¹_KR(DES_KL(r8))) spelled out with single DES', () => {
    const kl = ROOTS['3des'].subarray(0, 8);
    const kr = ROOTS['3des'].subarray(8);
    const spelled = refEncrypt('des', kl, refDecrypt('des', kr, refEncrypt('des', kl, RANDOM8)));
    expect(show(deriveSessionKey('3des', ROOTS['3des'], RANDOM8))).toBe(show(spelled));
  });

  it('rejects a random of a wrong length (5 bytes; 16 bytes for an 8-byte block; empty)', () => {
    expect(() => deriveSessionKey('sm4', ROOTS.sm4, RANDOM8.subarray(0, 5))).toThrow(CryptoError);
    expect(() => deriveSessionKey('3des', ROOTS['3des'], RANDOM16)).toThrow(CryptoError);
    expect(() => deriveSessionKey('des', ROOTS.des, new Uint8Array(0))).toThrow(CryptoError);
    expect(() => authenticationData('3des', ROOTS['3des'], RANDOM8.subarray(0, 7), ORIGINAL)).toThrow(CryptoError);
  });
});

describe('authentication data (card-spec §5.2)', () => {
  for (const cipher of CIPHERS) {
    it(`${cipher}: 8 bytes over the real log's factor and original`, () => {
      for (const [factor, original] of [
        [RANDOM8, ORIGINAL],
        [RANDOM16.subarray(0, 8), RANDOM16.subarray(8)],
        [RANDOM4, ORIGINAL_TR2],
      ] as const) {
        const auth = authenticationData(cipher, ROOTS[cipher], factor, original);
        expect(auth.length).toBe(8);
        expect(show(auth)).toBe(show(refAuthData(cipher, ROOTS[cipher], factor, original)));
      }
    });
  }

  it('refuses an original that is not 8 bytes', () => {
    expect(() => authenticationData('sm4', ROOTS.sm4, RANDOM8, RANDOM16)).toThrow(CryptoError);
  });
});

describe('secure-messaging MAC (card-spec §5.3)', () => {
  // Real command headers (CLA with its SM bit, Lc counting the 4 MAC bytes) and the data before the MAC.
  const unblock = hex('84 24 00 00 04');
  const reloadSm4 = concat(hex('84 24 00 01 14'), hex('00112233445566778899AABBCCDDEEFF'));
  const reloadDes = concat(hex('84 24 00 01 0C'), hex('0011223344556677'));
  // 16 bytes exactly: a whole block 80 00… is appended.
  const aligned = concat(hex('04 DC 01 2C 0F'), hex('0109303132333435363738'));

  for (const cipher of CIPHERS) {
    const inputs = [unblock, cipher === 'sm4' ? reloadSm4 : reloadDes, aligned];
    it(`${cipher}: session key from the card's challenge, then CBC with IV zero`, () => {
      for (const input of inputs) {
        for (const challenge of [RANDOM8, RANDOM4]) {
          const sk = refSessionKey(cipher, ROOTS[cipher], challenge);
          const expected = refCbcMac(sessionAlgorithm(cipher), sk, input);
          expect(show(secureMessagingMac(cipher, ROOTS[cipher], challenge, input))).toBe(show(expected));
          expect(show(cardMac(sessionAlgorithm(cipher), sk, input))).toBe(show(expected));
        }
      }
    });
  }

  it('cardMac under a 16-byte 3DES key (no session key) is 3DES-CBC, first 4 bytes', () => {
    expect(show(cardMac('3des', ROOTS['3des'], reloadDes))).toBe(show(refCbcMac('3des', ROOTS['3des'], reloadDes)));
  });
});

describe('encrypted data field (card-spec §5.4)', () => {
  const pin = hex('123456');
  for (const cipher of CIPHERS) {
    it(`${cipher}: LD ‖ PIN BCD ‖ 80 00… ECB under the session key, and back`, () => {
      const block = blockOf(cipher);
      const plain = refFieldPlaintext(cipher, pin);
      expect(show(plain)).toBe(show(concat(hex('03 123456 80'), new Uint8Array(block - 5))));
      const sk = refSessionKey(cipher, ROOTS[cipher], RANDOM8);
      const expected = refEncrypt(sessionAlgorithm(cipher), sk, plain);
      const field = encryptDataField(cipher, ROOTS[cipher], RANDOM8, pin);
      expect(field.length).toBe(block);
      expect(encryptedFieldLength(cipher, pin.length)).toBe(block);
      expect(show(field)).toBe(show(expected));
      expect(show(decryptDataField(cipher, ROOTS[cipher], RANDOM8, expected)!)).toBe('123456');
      // Another challenge gives another session key: the field does not decrypt to the PIN.
      expect(decryptDataField(cipher, ROOTS[cipher], RANDOM4, expected)).toBeUndefined();
    });

    it(`${cipher}: a block-aligned LD ‖ data gets no padding; two blocks when it does not fit one`, () => {
      const block = blockOf(cipher);
      const sk = refSessionKey(cipher, ROOTS[cipher], RANDOM8);
      const fits = hex('1234567890123456789012345678901234').subarray(0, block - 1);
      expect(show(encryptDataField(cipher, ROOTS[cipher], RANDOM8, fits))).toBe(
        show(refEncrypt(sessionAlgorithm(cipher), sk, concat(Uint8Array.of(fits.length), fits))),
      );
      const spills = concat(fits, hex('99'));
      const field = encryptDataField(cipher, ROOTS[cipher], RANDOM8, spills);
      expect(field.length).toBe(2 * block);
      expect(show(field)).toBe(show(refEncrypt(sessionAlgorithm(cipher), sk, refFieldPlaintext(cipher, spills))));
      expect(show(decryptDataField(cipher, ROOTS[cipher], RANDOM8, field)!)).toBe(show(spills));
    });

    it(`${cipher}: a field whose padding or length byte is wrong does not decrypt`, () => {
      const sk = refSessionKey(cipher, ROOTS[cipher], RANDOM8);
      const badPadding = refFieldPlaintext(cipher, pin);
      badPadding[4] = 0x81;
      expect(decryptDataField(cipher, ROOTS[cipher], RANDOM8, refEncrypt(sessionAlgorithm(cipher), sk, badPadding))).toBeUndefined();
      const badLength = refFieldPlaintext(cipher, pin);
      badLength[0] = blockOf(cipher);
      expect(decryptDataField(cipher, ROOTS[cipher], RANDOM8, refEncrypt(sessionAlgorithm(cipher), sk, badLength))).toBeUndefined();
    });
  }
});
