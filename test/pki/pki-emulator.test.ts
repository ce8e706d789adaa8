// The emulator's PKI application, APDU by APDU (formats: emulator/applications/pki/README.md).
import { beforeEach, describe, expect, it } from 'vitest';
import type { CardEmulator } from '../../emulator/index.js';
import { concatBytes } from '../../src/bytes/bytes.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { pinProof, sm2ComputeZ, sm2Encrypt, sm2Verify, sm3 } from '../../src/crypto/index.js';
import { defaultCard } from './pki-test-helpers.js';

const DDF = '504B492EC9E7BBE1B1A3D5CF';
const ADF = '53532E434552542E41444631';

let card: CardEmulator;
/** One APDU in, `data ‖ SW` out as hex; answers T=0 61xx with GET RESPONSE itself. */
function tx(hex: string): { data: string; sw: string } {
  let r = card.transmit(fromHex(hex.replace(/\s/g, '')));
  let data = r.subarray(0, r.length - 2);
  if (r[r.length - 2] === 0x61) {
    r = card.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, r[r.length - 1]!));
    data = r.subarray(0, r.length - 2);
  }
  return { data: toHex(data), sw: toHex(r.subarray(r.length - 2)) };
}
const sw = (hex: string) => tx(hex).sw;
const lc = (hex: string) => (hex.length / 2).toString(16).toUpperCase().padStart(2, '0');

function selectAdf(): void {
  expect(sw(`00A40400${lc(DDF)}${DDF}00`)).toBe('9000');
  expect(sw(`00A40400${lc(ADF)}${ADF}00`)).toBe('9000');
}
function proofVerify(pin: string, ref: '81' | '82'): string {
  const challenge = fromHex(tx('0084000010').data);
  return sw(`002001${ref}10${toHex(pinProof(pin, challenge))}`);
}

beforeEach(async () => {
  ({ card } = await defaultCard());
  selectAdf();
});

describe('PKI application on the default card', () => {
  it('is selected by its DF names; ss-1.00 and ss-2.00 cards have none', async () => {
    const { openCard } = await import('../../emulator/index.js');
    for (const profile of ['ss-1.00', 'ss-2.00']) {
      const old = openCard({ profile });
      const r = old.transmit(fromHex(`00A40400${lc(DDF)}${DDF}00`));
      expect(toHex(r.subarray(r.length - 2))).toBe('6A82');
    }
  });

  it('VERIFY with the PIN proof: right → 9000, wrong → 63C5 … and the counter comes back', () => {
    expect(sw('00200181')).toBe('63C6');
    expect(proofVerify('654321', '81')).toBe('63C5');
    expect(proofVerify('000000', '81')).toBe('63C4');
    expect(sw('00200181')).toBe('63C4');
    expect(proofVerify('123456', '81')).toBe('9000');
    expect(sw('00200181')).toBe('9000');
    expect(sw('00200182')).toBe('63C6');
    expect(proofVerify('12345678', '82')).toBe('9000');
    expect(sw('00200182')).toBe('9000');
  });

  it('VERIFY: six wrong proofs block the PIN (6983), and the right one no longer helps', () => {
    for (let left = 5; left >= 0; left--) expect(proofVerify('111111', '81')).toBe(`63C${left}`);
    expect(proofVerify('123456', '81')).toBe('6983');
    expect(sw('00200181')).toBe('6983');
  });

  it('VERIFY refuses a plain PIN, a proof without a 16-byte challenge, and a short proof — without spending a try', () => {
    expect(sw('0020008103123456')).toBe('6A86');
    expect(sw(`0020018110${'00'.repeat(16)}`)).toBe('6985'); // no challenge
    tx('0084000008');
    expect(sw(`0020018110${'00'.repeat(16)}`)).toBe('6985'); // 8-byte challenge
    tx('0084000010');
    expect(sw(`0020018108${'00'.repeat(8)}`)).toBe('6700');
    expect(sw('00200283')).toBe('6A86');
    expect(sw('00200183')).toBe('6A88');
    expect(sw('00200181')).toBe('63C6');
  });

  it('a challenge serves one VERIFY', () => {
    const challenge = fromHex(tx('0084000010').data);
    const proof = toHex(pinProof('123456', challenge));
    expect(sw(`0020018110${proof}`)).toBe('9000');
    expect(sw(`0020018110${proof}`)).toBe('6985');
  });

  it('EXPORT PUBLIC KEY answers both public keys without a PIN; unknown key 6A88', () => {
    const sign = tx('80E6000100');
    const enc = tx('80E6000200');
    expect(sign.sw).toBe('9000');
    expect(enc.sw).toBe('9000');
    expect(sign.data).toMatch(/^04[0-9A-F]{128}$/);
    expect(enc.data).not.toBe(sign.data);
    expect(sw('80E6000300')).toBe('6A88');
    expect(sw('80E6010100')).toBe('6A86');
  });

  it('SM2 SIGN signs e = SM3(Z‖M) with the signature key after the user PIN', () => {
    const publicKey = fromHex(tx('80E6000100').data);
    const message = new TextEncoder().encode('identity authentication 身份认证');
    const e = sm3(concatBytes(sm2ComputeZ(publicKey), message));
    expect(sw(`802A9E0120${toHex(e)}00`)).toBe('6982');
    expect(proofVerify('12345678', '82')).toBe('9000'); // the admin PIN does not allow signing
    expect(sw(`802A9E0120${toHex(e)}00`)).toBe('6982');
    expect(proofVerify('123456', '81')).toBe('9000');
    const r = tx(`802A9E0120${toHex(e)}00`);
    expect(r.sw).toBe('9000');
    expect(r.data).toHaveLength(128);
    expect(sm2Verify(publicKey, message, fromHex(r.data), { format: 'raw' })).toBe(true);
    expect(sm2Verify(publicKey, new TextEncoder().encode('other'), fromHex(r.data), { format: 'raw' })).toBe(false);
    // Two signatures of the same digest differ (fresh nonce each time).
    expect(tx(`802A9E0120${toHex(e)}00`).data).not.toBe(r.data);
  });

  it('SM2 SIGN: wrong length 6700, encryption key 6985, other P1 6A86', () => {
    expect(proofVerify('123456', '81')).toBe('9000');
    expect(sw(`802A9E011F${'11'.repeat(31)}00`)).toBe('6700');
    expect(sw(`802A9E0220${'11'.repeat(32)}00`)).toBe('6985');
    expect(sw(`802A9E0520${'11'.repeat(32)}00`)).toBe('6A88');
    expect(sw(`802A9A0120${'11'.repeat(32)}00`)).toBe('6A86');
  });

  it('SM2 DECRYPT opens a C1C3C2 envelope for the encryption key after the user PIN', () => {
    const encKey = fromHex(tx('80E6000200').data);
    const secret = fromHex('00112233445566778899AABBCCDDEEFF');
    const envelope = toHex(sm2Encrypt(encKey, secret));
    expect(sw(`802A8002${lc(envelope)}${envelope}00`)).toBe('6982');
    expect(proofVerify('123456', '81')).toBe('9000');
    expect(tx(`802A8002${lc(envelope)}${envelope}00`)).toEqual({ data: toHex(secret), sw: '9000' });
    // The signature key does not decrypt; a corrupted envelope is 6A80; too short 6700.
    expect(sw(`802A8001${lc(envelope)}${envelope}00`)).toBe('6985');
    const bad = envelope.slice(0, -2) + (envelope.endsWith('00') ? '01' : '00');
    expect(sw(`802A8002${lc(bad)}${bad}00`)).toBe('6A80');
    expect(sw(`802A800210${'00'.repeat(16)}00`)).toBe('6700');
  });

  it('GENERATE KEY PAIR needs the admin PIN, answers the new public key and changes what EXPORT gives', () => {
    const before = tx('80E6000100').data;
    expect(sw('8040000100')).toBe('6982');
    expect(proofVerify('123456', '81')).toBe('9000');
    expect(sw('8040000100')).toBe('6982');
    expect(proofVerify('12345678', '82')).toBe('9000');
    const generated = tx('8040000100');
    expect(generated.sw).toBe('9000');
    expect(generated.data).toMatch(/^04[0-9A-F]{128}$/);
    expect(generated.data).not.toBe(before);
    expect(tx('80E6000100').data).toBe(generated.data);
    expect(sw('8040000300')).toBe('6A88');
    expect(sw('8040010100')).toBe('6A86');
  });

  it('the private keys are never readable', () => {
    for (const fid of ['0F01', '0F02']) {
      expect(sw(`00A4020002${fid}`)).toBe('9000');
      expect(sw('00B0000020')).toBe('6982');
      expect(sw(`00D6000001${'00'}`)).toBe('6982');
    }
  });

  it('certificates are read free and written only with the admin PIN', () => {
    expect(sw('00A40200020018')).toBe('9000');
    expect(tx('00B0000004').data).toMatch(/^3082/);
    expect(sw('00D600000101')).toBe('6982');
    expect(proofVerify('12345678', '82')).toBe('9000');
    expect(sw('00A40200020019')).toBe('9000');
    expect(sw('00D6070001AA')).toBe('9000');
    expect(tx('00B0070001').data).toBe('AA');
  });

  it('selecting another DF or a reset forgets a verified PIN', () => {
    expect(proofVerify('123456', '81')).toBe('9000');
    expect(sw('00A40200020018')).toBe('9000'); // an EF of the same DF keeps it
    expect(sw('00200181')).toBe('9000');
    card.reset();
    selectAdf();
    expect(sw('00200181')).toBe('63C6');
  });
});
