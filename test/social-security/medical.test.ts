import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApduError, PinError } from '../../src/apdu/apdu-error.js';
import { SocialSecuritySession } from '../../src/applications/social-security/social-security-session.js';
import { openSampleCard } from '../support/emulated-card.js';

const TERMINAL = '0000330300A1';
const at = new Date(2026, 10, 23, 10, 15, 30);

async function medicalOn(profile = 'default', state?: string) {
  const c = await openSampleCard(profile, state ? { state } : {});
  const s = await SocialSecuritySession.open(c.channel, { atr: c.atr });
  return { ...c, s, medical: await s.openMedical(profile === 'ss-2.00' ? '888888' : '123456') };
}

describe('medical insurance (DF04)', () => {
  it('reads base data and the balance after the PIN', async () => {
    const { medical } = await medicalOn();
    const account = await medical.readAccount();
    expect(account).toMatchObject({ insuranceType: '11', insuredRegion: '330300', balanceFen: 523_800, offlineSettledFen: 0 });
  });
  it('refuses DF04 without the PIN, and a wrong PIN counts down', async () => {
    const { s } = await medicalOn();
    const e = await s.openMedical('000000').catch((x) => x);
    expect(e).toBeInstanceOf(PinError);
    expect(e.triesLeft).toBe(5);
  });
  it('debits atomically: balance, offline total and log record move together', async () => {
    const { medical, keys } = await medicalOn();
    const r = await medical.debit(12_50, { terminalId: TERMINAL, keys, when: at });
    expect(r).toEqual({ balanceAfterFen: 523_800 - 1250, seq: 1 });
    await medical.debit(300, { terminalId: TERMINAL, keys, when: new Date(2026, 10, 23, 10, 20, 0) });
    const account = await medical.readAccount();
    expect(account.balanceFen).toBe(523_800 - 1550);
    expect(account.offlineSettledFen).toBe(1550);
    const log = await medical.readTransactions();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ seq: 2, amountFen: 300, balanceAfterFen: 523_800 - 1550 });
    expect(log[1]).toEqual({
      seq: 1,
      type: 'debit',
      terminalId: TERMINAL,
      time: '2026-11-23T10:15:30',
      amountFen: 1250,
      balanceBeforeFen: 523_800,
      balanceAfterFen: 522_550,
    });
  });
  it('refuses more than the balance with 9401 and changes nothing', async () => {
    const { medical, keys } = await medicalOn();
    const e = await medical.debit(523_801, { terminalId: TERMINAL, keys, when: at }).catch((x) => x);
    expect(e).toBeInstanceOf(ApduError);
    expect(e.sw).toBe(0x9401);
    expect((await medical.readAccount()).balanceFen).toBe(523_800);
    expect(await medical.readTransactions()).toEqual([]);
  });
  it('a retried debit (same command after a lost answer) is not debited twice', async () => {
    const { medical, keys } = await medicalOn();
    const first = await medical.debit(999, { terminalId: TERMINAL, keys, when: at });
    const retry = await medical.debit(999, { terminalId: TERMINAL, keys, when: at });
    expect(retry).toEqual(first);
    expect((await medical.readAccount()).balanceFen).toBe(523_800 - 999);
  });
  it('rejects bad amounts and terminal ids before talking to the card', async () => {
    const { medical, keys } = await medicalOn();
    await expect(medical.debit(0, { terminalId: TERMINAL, keys })).rejects.toThrow(/positive whole number of fen/);
    await expect(medical.debit(1.5, { terminalId: TERMINAL, keys })).rejects.toThrow(/positive whole number of fen/);
    await expect(medical.debit(100, { terminalId: '00', keys })).rejects.toThrow(/6 bytes/);
  });
  it('keeps the debit in the state file across card sessions', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'sscard-med-')), 'card.json');
    const first = await medicalOn('default', state);
    await first.medical.debit(5000, { terminalId: TERMINAL, keys: first.keys, when: at });
    first.card.close();
    const second = await medicalOn('default', state);
    expect((await second.medical.readAccount()).balanceFen).toBe(523_800 - 5000);
  });
  it('works on the 3DES (2nd generation) card too', async () => {
    const { medical, keys } = await medicalOn('ss-2.00');
    expect((await medical.debit(100, { terminalId: TERMINAL, keys, when: at })).balanceAfterFen).toBe(523_700);
  });
});
