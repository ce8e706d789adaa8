import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';

// A second route for every cryptogram: node:crypto SM4 directly, the default card's published key
// file for the roots, its ATR and region for the factors (card-spec §4.3, §5, §7.3, §9).
const keyFile = JSON.parse(readFileSync('emulator/profiles/default.keys.json', 'utf8')) as {
  keys: Record<string, { master: string }>;
};
const root = (name: string) => {
  const entry = keyFile.keys[name];
  if (entry) return Buffer.from(entry.master, 'hex');
  // Until the card's key file has DPK the PSAM holds the builder's test value (SM3 of its label).
  return createHash('sm3').update(`sscard test key/default/ssse/${name}`).digest().subarray(0, 16);
};
const sm4 = (key: Buffer, data: Buffer) => {
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
};
const not = (b: Buffer) => Buffer.from(b.map((x) => ~x & 0xff));
const diversify = (key: Buffer, factors: Buffer[]) => factors.reduce((k, f) => sm4(k, Buffer.concat([f, not(f)])), key);
const pad16 = (b: Buffer) => Buffer.concat([b, Buffer.alloc(16 - b.length)]);
const mac = (key: Buffer, data: Buffer) => {
  const padded = Buffer.concat([data, Buffer.from([0x80]), Buffer.alloc(15 - (data.length % 16))]);
  const c = createCipheriv('sm4-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
  const out = Buffer.concat([c.update(padded), c.final()]).subarray(-16);
  return Buffer.from([0, 1, 2, 3].map((i) => out[i]! ^ out[i + 4]! ^ out[i + 8]! ^ out[i + 12]!));
};
const PROVINCE = Buffer.from('330000sh');
const CITY = Buffer.from('330300sx');
/** The default card's historical bytes T6…TD (its ATR 3B6D0000 0086221130 991133030145A1B2). */
const CARD = Buffer.from('991133030145A1B2', 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

function psam(state?: string) {
  const card = openCard({ profile: 'psam-default', ...(state ? { state } : {}) });
  card.powerOn();
  const send = (command: string): { data: string; sw: string } => {
    let r = Buffer.from(card.transmit(Buffer.from(command.replace(/ /g, ''), 'hex')));
    let sw = hex(r.subarray(-2));
    if (sw.startsWith('61')) {
      r = Buffer.from(card.transmit(Buffer.from(`00C00000${sw.slice(2)}`, 'hex')));
      sw = hex(r.subarray(-2));
    }
    return { data: hex(r.subarray(0, -2)), sw };
  };
  const sw = (command: string) => send(command).sw;
  return { card, send, sw };
}

const SELECT_APP = '00A4040006D15600000590';

function purchaseData(options: { random: string; offlineSeq: string; factors?: Buffer[] }) {
  // account 12.34 yuan (1234 fen) ‖ self-pay 2.00 ‖ pooling 10.34 ‖ type 02 ‖ date ‖ time ‖ DPK version 01 ‖ SM4 (03)
  const fixed = `${options.random}${options.offlineSeq}000004D2000000C80000040A02202611300815300103`;
  return (
    fixed +
    Buffer.concat(options.factors ?? [CARD])
      .toString('hex')
      .toUpperCase()
  );
}

describe('emulated PSAM psam-default (card-spec §9)', () => {
  it('has 0015/0016/0019/001A–001C at the environment level and DF01 by AID', () => {
    const p = psam();
    expect(p.sw('00A40000023F00')).toMatch(/^(9000|61..)$/);
    expect(p.sw('00A40200020016')).toBe('9000');
    expect(p.send('00B0000006')).toEqual({ data: '330300000001', sw: '9000' });
    expect(p.sw('00A40200020015')).toBe('9000');
    expect(p.send('00B000000F').data).toMatch(/^0133030000000000000001/);
    expect(p.sw('00A40200020019')).toBe('9000');
    expect(p.send('00B0000004')).toEqual({ data: '00000001', sw: '9000' });
    expect(p.sw('00A4020002001C')).toBe('9000');
    expect(p.send('00B000000A')).toEqual({ data: '01012024010120341231', sw: '9000' });
    expect(p.sw(SELECT_APP)).toMatch(/^(9000|61..)$/);
    // Key files are never readable.
    expect(p.sw('00A40200020011')).toBe('9000');
    expect(p.sw('00B2010418')).toBe('6982');
  });

  it('INITIALIZE ENVIRONMENT takes the province of its terminal number only', () => {
    const p = psam();
    expect(p.sw('BFEC00000133')).toBe('9000');
    expect(p.sw('BFEC00000111')).toBe('6A80');
    expect(p.sw('BFEC0000023300')).toBe('6700');
  });

  it('DELIVERY SESSION KEY + CIPHER DATA give RKSSSE authentication data (3 levels: card ‖ city ‖ province ‖ random)', () => {
    const p = psam();
    p.sw(SELECT_APP);
    const random = Buffer.from('0102030405060708', 'hex');
    const original = Buffer.from('A1A2A3A4A5A6A7A8', 'hex');
    expect(p.sw(`BFDE670A28${hex(Buffer.concat([CARD, CITY, PROVINCE, pad16(random)]))}`)).toBe('9000');
    const answer = p.send(`80FA000010${hex(pad16(original))}`);
    const cardKey = diversify(root('RKSSSE'), [PROVINCE, CITY, CARD]);
    const sessionKey = sm4(cardKey, pad16(random));
    expect(answer).toEqual({ data: hex(sm4(sessionKey, pad16(original))), sw: '9000' });
  });

  it('refuses a level mismatch (6A80), a malformed Lc (6700), an unknown key (6A88), CIPHER DATA without a session key (6901)', () => {
    const p = psam();
    p.sw(SELECT_APP);
    const random = Buffer.alloc(16, 7);
    expect(p.sw(`80FA000010${'00'.repeat(16)}`)).toBe('6901');
    expect(p.sw(`BFDE670A20${hex(Buffer.concat([CARD, CITY, random]))}`)).toBe('6A80');
    expect(p.sw(`BFDE260928${hex(Buffer.concat([CARD, CITY, PROVINCE, random]))}`)).toBe('6A80');
    expect(p.sw(`BFDE670A15${'00'.repeat(0x15)}`)).toBe('6700');
    expect(p.sw(`BFDE670E28${'00'.repeat(0x28)}`)).toBe('6A88');
    expect(p.sw(`BFDE260A18${'00'.repeat(0x18)}`)).toBe('6A88'); // the usage byte is part of the reference
    // At the environment level there are no key files.
    expect(psam().sw(`BFDE670A28${'00'.repeat(0x28)}`)).toBe('6985');
  });

  it('CIPHER DATA MACs whole blocks with the first block as IV (05), the same chained 07/03/01, and encrypts STK fields', () => {
    const p = psam();
    p.sw(SELECT_APP);
    const random = Buffer.from('1122334455667788', 'hex');
    expect(p.sw(`BFDE260918${hex(Buffer.concat([CARD, pad16(random)]))}`)).toBe('9000');
    const sessionKey = sm4(diversify(root('STK'), [CARD]), pad16(random));
    const header = Buffer.from('8424000114', 'hex');
    const field = Buffer.concat([Buffer.from('03123456', 'hex'), Buffer.from([0x80]), Buffer.alloc(11)]);
    const encrypted = p.send(`80FA000010${hex(field)}`);
    expect(encrypted).toEqual({ data: hex(sm4(sessionKey, field)), sw: '9000' });
    const macInput = Buffer.concat([header, sm4(sessionKey, field)]);
    const padded = Buffer.concat([macInput, Buffer.from([0x80]), Buffer.alloc(15 - (macInput.length % 16))]);
    const expected = hex(mac(sessionKey, macInput));
    expect(p.send(`80FA050030${hex(Buffer.concat([Buffer.alloc(16), padded]))}`)).toEqual({ data: expected, sw: '9000' });
    expect(p.sw(`80FA070020${hex(Buffer.concat([Buffer.alloc(16), padded.subarray(0, 16)]))}`)).toBe('9000');
    expect(p.send(`80FA010010${hex(padded.subarray(16))}`)).toEqual({ data: expected, sw: '9000' });
    expect(p.sw(`80FA010010${hex(padded.subarray(16))}`)).toBe('6985');
    expect(p.sw(`80FA00000F${'00'.repeat(15)}`)).toBe('6700');
    expect(p.sw(`80FA090010${'00'.repeat(16)}`)).toBe('6A86');
  });

  it('INIT SAM FOR PURCHASE answers the terminal sequence and MAC1, counts 0019 on, and CREDIT SAM FOR PURCHASE checks MAC2', () => {
    const p = psam();
    p.sw(SELECT_APP);
    expect(p.sw('80720000040102030400')).toBe('6901');
    const answer = p.send(`8070010024${purchaseData({ random: 'CAFEBABE', offlineSeq: '0007' })}08`);
    expect(answer.sw).toBe('9000');
    expect(answer.data.slice(0, 8)).toBe('00000001');
    const dpk = diversify(root('DPK'), [CARD]);
    const sespk = sm4(dpk, pad16(Buffer.from('CAFEBABE00070001', 'hex')));
    const amounts = Buffer.from('000004D2000000C80000040A', 'hex');
    const mac1Input = Buffer.concat([
      amounts,
      Buffer.from('02', 'hex'),
      Buffer.from('330300000001', 'hex'),
      Buffer.from('20261130081530', 'hex'),
    ]);
    expect(answer.data.slice(8)).toBe(hex(mac(sespk, mac1Input)));
    expect(p.sw(`8072000004${hex(mac(sespk, amounts))}`)).toBe('9000');
    // One check per purchase; a wrong MAC2 is 9302 (the table's value, emulator/applications/psam/README.md).
    expect(p.sw(`8072000004${hex(mac(sespk, amounts))}`)).toBe('6901');
    const second = p.send(`8070010024${purchaseData({ random: 'CAFEBABE', offlineSeq: '0008' })}08`);
    expect(second.data.slice(0, 8)).toBe('00000002');
    expect(p.sw('807200000400000000')).toBe('9302');
    expect(p.sw('00A40000023F00')).toMatch(/^(9000|61..)$/);
    expect(p.sw('00A40200020019')).toBe('9000');
    expect(p.send('00B0000004').data).toBe('00000003');
  });

  it('refuses purchases for a missing key version or algorithm (6A88) or the wrong number of factors (6700)', () => {
    const p = psam();
    p.sw(SELECT_APP);
    const data = purchaseData({ random: '01020304', offlineSeq: '0001' });
    expect(p.sw(`8070010024${data.slice(0, 52)}02${data.slice(54)}08`)).toBe('6A88');
    expect(p.sw(`8070010024${data.slice(0, 54)}01${data.slice(56)}08`)).toBe('6A88');
    expect(p.sw(`807001002C${purchaseData({ random: '01020304', offlineSeq: '0001', factors: [CARD, CITY] })}08`)).toBe('6700');
    expect(p.sw(`8070020024${data}08`)).toBe('6A86');
  });

  it('keeps the terminal transaction sequence in its state file; a reset forgets the session key', () => {
    const state = join(mkdtempSync(join(tmpdir(), 'psam-')), 'psam.state.json');
    const first = psam(state);
    first.sw(SELECT_APP);
    expect(first.send(`8070010024${purchaseData({ random: '01020304', offlineSeq: '0001' })}08`).data.slice(0, 8)).toBe('00000001');
    first.card.close();
    const again = psam(state);
    again.sw(SELECT_APP);
    expect(again.send(`8070010024${purchaseData({ random: '01020304', offlineSeq: '0002' })}08`).data.slice(0, 8)).toBe('00000002');
    expect(again.sw(`BFDE260918${'00'.repeat(0x18)}`)).toBe('9000');
    again.card.reset();
    again.sw(SELECT_APP);
    expect(again.sw(`80FA000010${'00'.repeat(16)}`)).toBe('6901');
    again.card.close();
  });
});
