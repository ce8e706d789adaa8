/**
 * A terminal written with the independent reference only: it drives the card with raw APDUs and
 * computes MAC2 (load) / MAC1 (purchase) and the expected MAC1/MAC2/TAC from the card itself.
 */
import { type Alg, loadSessionKey, perCardKey, purchaseSessionKey, ref, tacKey, u16, u32 } from './epurse-reference.js';
import { TERM } from './purse-test-card.js';

export interface RefKeys {
  alg: Alg;
  asn8: string;
  load: string;
  purchase: string;
  tac: string;
}

export const DATE = '20240315';
export const TIME = '101530';

export function refKeys(file: { purse: Record<string, { master: string }> }, asn8: string, alg: Alg): RefKeys {
  return { alg, asn8, load: file.purse.load!.master, purchase: file.purse.purchase!.master, tac: file.purse.tac!.master };
}

/** INITIALIZE FOR LOAD answer checked (MAC1), then the CREDIT command with the right (or a spoiled) MAC2. */
export function refLoad(send: (hex: string) => string, k: RefKeys, amount: number, opts: { spoilMac2?: boolean } = {}) {
  const init = send(`805000020B01${u32(amount)}${TERM}10`);
  if (!init.endsWith('9000')) return { initSw: init.slice(-4) };
  const balance = init.slice(0, 8);
  const atc = init.slice(8, 12);
  const rand = init.slice(16, 24);
  const sk = loadSessionKey(k.alg, perCardKey(k.alg, k.load, k.asn8), rand, atc);
  const mac1Ok = init.slice(24, 32) === ref.loadMac1(sk, { balance, amount: u32(amount), type: '02', term: TERM });
  let mac2 = ref.loadMac2(sk, { amount: u32(amount), type: '02', term: TERM, date: DATE, time: TIME });
  if (opts.spoilMac2) mac2 = (Number.parseInt(mac2.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0').toUpperCase() + mac2.slice(2);
  const credit = `805200000B${DATE}${TIME}${mac2}04`;
  const newBalance = u32(Number.parseInt(balance, 16) + amount);
  const expectedTac = ref.loadTac(tacKey(k.alg, perCardKey(k.alg, k.tac, k.asn8)), {
    newBalance,
    atc,
    amount: u32(amount),
    type: '02',
    term: TERM,
    date: DATE,
    time: TIME,
  });
  return { initSw: '9000', init, balance, atc, mac1Ok, credit, expectedTac };
}

/** INITIALIZE FOR PURCHASE, then the DEBIT command with the right (or a spoiled) MAC1 and the expected TAC ‖ MAC2. */
export function refPurchase(
  send: (hex: string) => string,
  k: RefKeys,
  amount: number,
  opts: { spoilMac1?: boolean; seq?: number; p1?: '01' | '03'; type?: string } = {},
) {
  const init = send(`80500${opts.p1 === '03' ? '3' : '1'}020B01${u32(amount)}${TERM}0F`);
  if (!init.endsWith('9000')) return { initSw: init.slice(-4) };
  const atc = init.slice(8, 12);
  const rand = init.slice(22, 30);
  const seq = u32(opts.seq ?? 0x123);
  const type = opts.type ?? (opts.p1 === '03' ? '09' : '06');
  const sk = purchaseSessionKey(k.alg, perCardKey(k.alg, k.purchase, k.asn8), rand, atc, seq);
  let mac1 = ref.purchaseMac1(sk, { amount: u32(amount), type, term: TERM, date: DATE, time: TIME });
  if (opts.spoilMac1)
    mac1 = `${mac1.slice(0, 6)}${(Number.parseInt(mac1.slice(6), 16) ^ 0x80).toString(16).padStart(2, '0').toUpperCase()}`;
  const tac = ref.purchaseTac(tacKey(k.alg, perCardKey(k.alg, k.tac, k.asn8)), {
    amount: u32(amount),
    type,
    term: TERM,
    seq,
    date: DATE,
    time: TIME,
  });
  const mac2 = ref.purchaseMac2(sk, u32(amount));
  return {
    initSw: '9000',
    init,
    balance: init.slice(0, 8),
    atc,
    debit: `805401000F${seq}${DATE}${TIME}${mac1}08`,
    expected: `${tac}${mac2}9000`,
  };
}

export { u16, u32 };
