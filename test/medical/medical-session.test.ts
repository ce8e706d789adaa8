import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApduError, PinError } from '../../src/apdu/apdu-error.js';
import type { SoftwareKeyProvider } from '../../src/applications/keys/software-key-provider.js';
import { TransactionNotDoneError } from '../../src/applications/medical/medical-session.js';
import { SoftwareLoadHost } from '../../src/applications/medical/software-load-host.js';
import { SoftwarePurchaseSecurity } from '../../src/applications/medical/software-purchase-security.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { CardChannel } from '../../src/channel/card-channel.js';
import type { CardTransport } from '../../src/transport/card-transport.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { openSampleCard } from '../support/emulated-card.js';
import { cardKey, SAMPLE_CARDS, tac } from './medical-reference.js';

const TERMINAL = fromHex('0000330300A1');
const at = new Date(2026, 10, 23, 10, 15, 30);
const OPENING = 523_800;
const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/**
 * A transport that loses the answer of the next command starting with `prefix`: the card runs it
 * (`after`) or never sees it (`before`), is then pulled and put back (power cycle), and the
 * terminal gets `card-removed`.
 */
class LosingTransport implements CardTransport {
  readonly name = 'losing';
  lose: { prefix: string; when: 'before' | 'after' } | undefined;
  constructor(private readonly inner: CardTransport) {}
  connect() {
    return this.inner.connect();
  }
  reset(kind?: 'warm' | 'cold') {
    return this.inner.reset(kind);
  }
  close() {
    return this.inner.close();
  }
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const lose = this.lose;
    if (lose === undefined || !toHex(command).startsWith(lose.prefix)) return this.inner.transmit(command);
    this.lose = undefined;
    if (lose.when === 'after') await this.inner.transmit(command);
    await this.inner.reset('cold');
    throw new TransportError('card-removed', 'the card was removed');
  }
}

async function medicalOn(profile = 'default', state?: string) {
  const c = await openSampleCard(profile, state ? { state } : {});
  const transport = new LosingTransport(c.transport);
  const channel = new CardChannel(transport);
  const s = await SocialSecuritySession.open(channel, { atr: c.atr });
  const pin = profile === 'ss-2.00' ? '888888' : '123456';
  const security = new SoftwarePurchaseSecurity(c.keys as SoftwareKeyProvider, TERMINAL, 0x42);
  const host = new SoftwareLoadHost(c.keys as SoftwareKeyProvider, () => at);
  return { ...c, transport, s, pin, security, host, medical: await s.openMedical(pin) };
}

describe('MedicalSession (DF04)', () => {
  it('reads the base data by the V2 tags', async () => {
    const { medical } = await medicalOn();
    expect(await medical.readAccount()).toMatchObject({
      insuranceType: '310',
      flags: { outpatientPooling: true, remoteCare: false },
      insuredRegion: '330300',
      insuredCategory: '11',
      cardUseMode: 'offline',
      designatedHospitals: ['330300001', '330300002', '330300003'],
      maternityHospitals: ['330300201'],
    });
  });

  it('refuses DF04 without the PIN, and a wrong PIN counts down', async () => {
    const { s } = await medicalOn();
    const e = await s.openMedical('000000').catch((x) => x);
    expect(e).toBeInstanceOf(PinError);
    expect(e.triesLeft).toBe(5);
  });

  it.each(SAMPLE_CARDS)(
    'pays 12.34 yuan on $profile: MAC1 from the security module, TAC/MAC2 as the key file gives them, balances and log',
    async (sample) => {
      const { medical, security } = await medicalOn(sample.profile);
      const r = await medical.purchase({ account: 1234, selfPay: 500, pooling: 2000, when: at }, security);
      expect(r).toMatchObject({ terminalSeq: 0x42, offlineSeq: 0, balanceAfter: OPENING - 1234, recovered: false });
      const amounts = `${hex8(1234)}${hex8(500)}${hex8(2000)}`;
      expect(toHex(r.tac)).toBe(tac(sample, cardKey(sample, 'DTK'), `${amounts}02${toHex(TERMINAL)}${hex8(0x42)}20261123101530`));
      expect(await medical.balances()).toEqual({ accountFen: OPENING - 1234, selfPayFen: 500, poolingFen: 2000, paymentYear: 2026 });
      expect(await medical.readLog()).toEqual([
        {
          seq: 0,
          type: 'purchase',
          terminalId: toHex(TERMINAL),
          time: '2026-11-23T10:15:30',
          accountFen: 1234,
          selfPayFen: 500,
          poolingFen: 2000,
        },
      ]);
      expect(await medical.transactionProof('purchase', 0)).toEqual({ mac: r.mac2, tac: r.tac });
    },
  );

  it('refuses more than the balance with 9401 and changes nothing', async () => {
    const { medical, security } = await medicalOn();
    const e = await medical.purchase({ account: OPENING + 1, selfPay: 0, pooling: 0, when: at }, security).catch((x) => x);
    expect(e).toBeInstanceOf(ApduError);
    expect(e.sw).toBe(0x9401);
    expect((await medical.balances()).accountFen).toBe(OPENING);
    expect(await medical.readLog()).toEqual([]);
  });

  it('rejects bad amounts before talking to the card', async () => {
    const { medical, security } = await medicalOn();
    await expect(medical.purchase({ account: 0, selfPay: 0, pooling: 0 }, security)).rejects.toThrow(/positive/);
    await expect(medical.purchase({ account: 1.5, selfPay: 0, pooling: 0 }, security)).rejects.toThrow(/positive whole number of fen/);
    await expect(medical.load(100, new SoftwareLoadHost(undefined as never), { terminalId: fromHex('00') })).rejects.toThrow(/6 bytes/);
  });

  it('loads: the host checks MAC1 and answers MAC2, the card answers the TAC', async () => {
    const sample = SAMPLE_CARDS[0]!;
    const { medical, host } = await medicalOn();
    const r = await medical.load(5000, host, { terminalId: TERMINAL });
    expect(r).toMatchObject({ onlineSeq: 0, balanceAfter: OPENING + 5000, recovered: false });
    const tacInput = `${hex8(OPENING + 5000)}0000${hex8(5000)}01${toHex(TERMINAL)}20261123101530`;
    expect(toHex(r.tac)).toBe(tac(sample, cardKey(sample, 'DTK'), tacInput));
    expect((await medical.balances()).accountFen).toBe(OPENING + 5000);
    expect((await medical.readLog())[0]).toMatchObject({ seq: 0, type: 'load', accountFen: 5000 });
  });

  it('keeps a purchase in the state file across card sessions', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-med-')), 'card.json');
    const first = await medicalOn('default', state);
    await first.medical.purchase({ account: 5000, selfPay: 0, pooling: 0, when: at }, first.security);
    first.card.close();
    const second = await medicalOn('default', state);
    expect((await second.medical.balances()).accountFen).toBe(OPENING - 5000);
  });
});

describe('MedicalSession recovery after a lost answer', () => {
  it('the card debited, the answer was lost: re-read, same card, GET TRANSACTION PROOF → done, debited once', async () => {
    const c = await medicalOn();
    c.transport.lose = { prefix: 'B02C', when: 'after' };
    const r = await c.medical.purchase({ account: 1234, selfPay: 0, pooling: 0, when: at }, c.security);
    expect(r.recovered).toBe(true);
    expect(r.balanceAfter).toBe(OPENING - 1234);
    const again = await c.s.openMedical(c.pin);
    expect((await again.balances()).accountFen).toBe(OPENING - 1234);
    expect(await again.transactionProof('purchase', 0)).toEqual({ mac: r.mac2, tac: r.tac });
    expect(await again.readLog()).toHaveLength(1);
  });

  it('the card never got the DEBIT: 9406 → TransactionNotDoneError, nothing debited', async () => {
    const c = await medicalOn();
    c.transport.lose = { prefix: 'B02C', when: 'before' };
    const e = await c.medical.purchase({ account: 1234, selfPay: 0, pooling: 0, when: at }, c.security).catch((x) => x);
    expect(e).toBeInstanceOf(TransactionNotDoneError);
    expect(e.code).toBe('ENOTDONE');
    const again = await c.s.openMedical(c.pin);
    expect((await again.balances()).accountFen).toBe(OPENING);
    expect(await again.readLog()).toEqual([]);
  });

  it('a lost CREDIT FOR LOAD answer is recovered the same way', async () => {
    const c = await medicalOn();
    c.transport.lose = { prefix: 'B02A', when: 'after' };
    const r = await c.medical.load(700, c.host, { terminalId: TERMINAL });
    expect(r).toMatchObject({ recovered: true, balanceAfter: OPENING + 700 });
    expect((await (await c.s.openMedical(c.pin)).balances()).accountFen).toBe(OPENING + 700);
  });
});
