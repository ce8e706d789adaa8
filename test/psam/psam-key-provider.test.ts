import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { PsamKeyProvider } from '../../src/applications/psam/psam-key-provider.js';
import { PsamPurchaseSecurity } from '../../src/applications/psam/psam-purchase-security.js';
import { PsamSession } from '../../src/applications/psam/psam-session.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import type { TraceEvent } from '../../src/channel/trace-event.js';
import { SecurityError } from '../../src/errors.js';
import { openSampleCard } from '../support/emulated-card.js';

/** The emulated PSAM in process, its session, and a log of what crossed its channel. */
async function openPsam(profile = 'psam-default') {
  const psamCard = openCard({ profile });
  const transport = new EmulatorTransport(psamCard);
  await transport.connect();
  const trace: TraceEvent[] = [];
  const channel = new CardChannel(transport, { trace: (e) => trace.push(e) });
  return { psamCard, trace, session: await PsamSession.open(channel) };
}

describe('PsamSession on the emulated PSAM', () => {
  it('reads the terminal number, serial, sequence and key versions of the environment files', async () => {
    const { session } = await openPsam();
    expect(session.info).toEqual({
      issuerId: 1,
      serial: '33030000000000000001',
      version: 1,
      keyCardType: 0,
      terminalNumber: '330300000001',
      terminalSeq: 1,
      keyVersions: {
        national: { purchaseKeyVersion: 0, authenticationKeyVersion: 1, start: '20240101', expiry: '20341231' },
        provincial: { purchaseKeyVersion: 0, authenticationKeyVersion: 1, start: '20240101', expiry: '20341231' },
        city: { purchaseKeyVersion: 1, authenticationKeyVersion: 1, start: '20240101', expiry: '20341231' },
      },
    });
    expect(Buffer.from(session.terminalId()).toString('hex')).toBe('330300000001');
  });

  it('MACs more than eight blocks in a chain (07, 03, 01) with the same result as one call would give', async () => {
    const { session, trace } = await openPsam();
    await session.deliverSessionKey({ usage: 0x26, id: 0x09 }, [new Uint8Array(8)], new Uint8Array(16), 'test');
    const blocks = new Uint8Array(16 * 20).map((_, i) => i);
    const mac = await session.mac(new Uint8Array(16), blocks);
    const p1s = trace.filter((e) => e.command.startsWith('80 FA')).map((e) => e.command.slice(6, 8));
    expect(p1s).toEqual(['07', '03', '01']);
    // node:crypto: STK's card key under card factor 00…, session key over 00…, CBC, XOR of the words.
    const keyFile = (await import('../../emulator/profiles/default.keys.json', { with: { type: 'json' } })).default as {
      keys: Record<string, { master: string }>;
    };
    const sm4 = (k: Buffer, d: Buffer) => Buffer.from(createCipheriv('sm4-ecb', k, null).setAutoPadding(false).update(d));
    const cardKey = sm4(Buffer.from(keyFile.keys.STK!.master, 'hex'), Buffer.concat([Buffer.alloc(8), Buffer.alloc(8, 0xff)]));
    const sk = sm4(cardKey, Buffer.alloc(16));
    const last = Buffer.from(createCipheriv('sm4-cbc', sk, Buffer.alloc(16)).setAutoPadding(false).update(blocks)).subarray(-16);
    expect(Buffer.from(mac).toString('hex')).toBe(
      Buffer.from([0, 1, 2, 3].map((i) => last[i]! ^ last[i + 4]! ^ last[i + 8]! ^ last[i + 12]!)).toString('hex'),
    );
  });
});

describe('PsamKeyProvider: a terminal whose only keys are in the PSAM (default card, in process)', () => {
  it('authenticates the card (IRK), reads EF06 after RKSSSE, reloads and unblocks the PIN', async () => {
    const { channel, atr } = await openSampleCard('default');
    const { session, trace } = await openPsam();
    const keys = new PsamKeyProvider(session);
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.authenticateCard(keys);
    await s.externalAuthenticate('RKSSSE', keys);
    expect((await s.readCardholder()).ssn).toBe('330302199001011235');
    await s.reloadPin('13579', keys);
    await s.verifyPin('13579');
    await expect(s.verifyPin('24680')).rejects.toThrow();
    await s.unblockPin(keys);
    expect(await s.pinTriesLeft()).toBe(6);
    // The PSAM saw its own references (card-spec §4.2: IRK 67/08, RKSSSE 67/0A, STK 26/09) and no PIN.
    const delivered = trace.filter((e) => e.command.startsWith('BF DE')).map((e) => e.command.slice(6, 11));
    expect(delivered).toEqual(['67 08', '67 0A', '67 0B', '26 09', '67 0B', '26 09']);
    for (const e of trace.filter((x) => x.command.startsWith('80 FA'))) expect(e.command).toMatch(/^80 FA 0[0-7] 00 [0-9A-F]{2}( \*\*)+/);
  });

  it('works with DES-family keys too (ss-2.00 and its PSAM: 8-byte session factor, single-DES STK)', async () => {
    const { channel, atr } = await openSampleCard('ss-2.00');
    const { session, trace } = await openPsam('psam-ss-2.00');
    expect(session.info.terminalNumber).toBe('650100000001');
    const keys = new PsamKeyProvider(session);
    const s = await SocialSecuritySession.open(channel, { atr });
    await s.authenticateCard(keys);
    await s.externalAuthenticate('RKSSSE', keys);
    await s.reloadPin('13579', keys);
    await s.verifyPin('13579');
    // Lc = 8 (session factor) + 8 × levels: 3 levels for RKSSSE, 1 for STK.
    expect(trace.filter((e) => e.command.startsWith('BF DE')).map((e) => e.command.slice(0, 14))).toEqual([
      'BF DE 67 08 20',
      'BF DE 67 0A 20',
      'BF DE 67 0B 20',
      'BF DE 26 09 10',
    ]);
  });

  it('serves two cards at once: one operation never runs under the session key of the other', async () => {
    const { session } = await openPsam();
    const keys = new PsamKeyProvider(session);
    const sessions = await Promise.all(
      [0, 1].map(async () => {
        const { channel, atr } = await openSampleCard('default');
        return SocialSecuritySession.open(channel, { atr });
      }),
    );
    await Promise.all(
      sessions.flatMap((s) => [
        (async () => {
          await s.externalAuthenticate('RKSSSE', keys);
          await s.reloadPin('13579', keys);
        })(),
        s.authenticateCard(keys),
      ]),
    );
    for (const s of sessions) await s.verifyPin('13579');
  });

  it('a key the PSAM does not hold is a typed error before the card is asked', async () => {
    const { channel, atr } = await openSampleCard('default');
    const { session } = await openPsam();
    const s = await SocialSecuritySession.open(channel, { atr });
    await expect(s.blockCard(new PsamKeyProvider(session))).rejects.toMatchObject({ code: 'EINPUT' });
  });
});

describe('PsamPurchaseSecurity', () => {
  it('pays 12.34 yuan through MedicalSession.purchase: MAC1 from the PSAM, the card accepts it, the PSAM accepts MAC2', async () => {
    const { channel, atr } = await openSampleCard('default');
    const { session } = await openPsam();
    const medical = await (await SocialSecuritySession.open(channel, { atr })).openMedical('123456');
    const before = await medical.balances();
    const r = await medical.purchase({ account: 1234, selfPay: 200, pooling: 1034 }, new PsamPurchaseSecurity(session));
    expect([r.terminalSeq, r.recovered]).toEqual([1, false]);
    expect((await medical.balances()).accountFen).toBe(before.accountFen - 1234);
    expect((await medical.readLog())[0]).toMatchObject({ type: 'purchase', terminalId: '330300000001', accountFen: 1234 });
  });

  it('answers the terminal id of EF 0016, counts the terminal sequence and refuses a wrong MAC2', async () => {
    const { session } = await openPsam();
    const security = new PsamPurchaseSecurity(session);
    expect(Buffer.from(await security.terminalId()).toString('hex')).toBe('330300000001');
    const request = {
      cardRandom: Uint8Array.of(1, 2, 3, 4),
      offlineSeq: 5,
      accountFen: 1234,
      selfPayFen: 200,
      poolingFen: 1034,
      type: 2,
      time: Uint8Array.of(0x20, 0x26, 0x11, 0x30, 0x08, 0x15, 0x30),
      keyVersion: 1,
      algorithmId: 3,
      card: { regionCode: '330300', historicalBytes: Buffer.from('0086221130991133030145A1B2', 'hex') },
    };
    const first = await security.initPurchase(request);
    expect(first.terminalSeq).toBe(1);
    expect(first.mac1).toHaveLength(4);
    await expect(security.verifyMac2(Uint8Array.of(0, 0, 0, 0))).rejects.toBeInstanceOf(SecurityError);
    expect((await security.initPurchase(request)).terminalSeq).toBe(2);
  });
});

describe('a PSAM that answers wrongly', () => {
  /** The environment reads of PsamSession.open, answered as psam-default would. */
  const environment: Array<[string, string]> = [
    ['00A40000023F00', '9000'],
    ['00A40200020015', '9000'],
    ['00B000000F', '0133030000000000000001010000009000'],
    ['00A40200020016', '9000'],
    ['00B0000006', '3303000000019000'],
    ['00A40200020019', '9000'],
    ['00B0000004', '000000019000'],
    ...['1A', '1B', '1C'].flatMap(
      (f): Array<[string, string]> => [
        [`00A402000200${f}`, '9000'],
        ['00B000000A', '010120240101203412319000'],
      ],
    ),
    ['00A4040006D1560000059000', '9000'],
  ];
  const request = {
    key: 'RKSSSE',
    algorithm: 'sm4' as const,
    card: { regionCode: '330300', historicalBytes: Buffer.from('0086221130991133030145A1B2', 'hex') },
    processFactor: new Uint8Array(8),
    original: new Uint8Array(8),
  };

  it('a short CIPHER DATA answer is a BadResponseError, a refused MAC2 check other than 9302 an ApduError', async () => {
    const { ScriptedTransport } = await import('../support/scripted-transport.js');
    const transport = new ScriptedTransport([
      ...environment,
      [`BFDE670A28991133030145A1B233333033303073783333303030307368${'00'.repeat(16)}`, '9000'],
      [`80FA000010${'00'.repeat(16)}00`, '0102039000'],
      ['807200000401020304', '6A88'],
    ]);
    const session = await PsamSession.open(new CardChannel(transport));
    await expect(new PsamKeyProvider(session).authenticationData(request)).rejects.toMatchObject({ code: 'EBADRESPONSE' });
    await expect(new PsamPurchaseSecurity(session).verifyMac2(Uint8Array.of(1, 2, 3, 4))).rejects.toMatchObject({ code: 'EAPDU' });
    expect(transport.done).toBe(true);
  });
});
