/**
 * The e-purse transcripts of test-vectors/epurse-transactions.json, built from the card's keys and
 * state with the independent reference (epurse-reference.ts) only: what a card that follows the
 * published formulas must answer, given the randoms it draws.
 */
import { type Alg, hex, loadSessionKey, perCardKey, purchaseSessionKey, ref, tacKey, u16, u32 } from './epurse-reference.js';

export interface TranscriptStep {
  name: string;
  command: string;
  response: string;
}

export interface PurseTranscript {
  algorithm: Alg;
  asn8: string;
  masters: { load: string; purchase: string; tac: string };
  openingBalance: number;
  randoms: string[];
  terminalId: string;
  date: string;
  time: string;
  steps: TranscriptStep[];
}

export function buildTranscript(input: Omit<PurseTranscript, 'steps'>): PurseTranscript {
  const { algorithm: alg, asn8, masters, terminalId: term, date, time } = input;
  const alg8 = alg === '3des' ? '00' : '04';
  const dlk = perCardKey(alg, masters.load, asn8);
  const dpk = perCardKey(alg, masters.purchase, asn8);
  const tk = tacKey(alg, perCardKey(alg, masters.tac, asn8));
  const [r1, r2, r3] = input.randoms as [string, string, string];
  let balance = input.openingBalance;
  const steps: TranscriptStep[] = [];

  // Load 10.00 yuan at online ATC 0.
  const load = 1000;
  const skL = loadSessionKey(alg, dlk, r1, '0000');
  const mac1 = ref.loadMac1(skL, { balance: u32(balance), amount: u32(load), type: '02', term });
  steps.push({
    name: 'INITIALIZE FOR LOAD',
    command: `805000020B01${u32(load)}${term}10`,
    response: `${u32(balance)}0000${'01'}${alg8}${r1}${mac1}9000`,
  });
  const mac2 = ref.loadMac2(skL, { amount: u32(load), type: '02', term, date, time });
  const tacL = ref.loadTac(tk, { newBalance: u32(balance + load), atc: '0000', amount: u32(load), type: '02', term, date, time });
  steps.push({ name: 'CREDIT FOR LOAD', command: `805200000B${date}${time}${mac2}04`, response: `${tacL}9000` });
  balance += load;

  // Purchase 2.50 yuan at offline ATC 0, terminal sequence 0x123.
  const buy = 250;
  const seq = '00000123';
  steps.push({
    name: 'INITIALIZE FOR PURCHASE',
    command: `805001020B01${u32(buy)}${term}0F`,
    response: `${u32(balance)}0000000000${'01'}${alg8}${r2}9000`,
  });
  const skP = purchaseSessionKey(alg, dpk, r2, '0000', seq);
  const pMac1 = ref.purchaseMac1(skP, { amount: u32(buy), type: '06', term, date, time });
  const pTac = ref.purchaseTac(tk, { amount: u32(buy), type: '06', term, seq, date, time });
  const pMac2 = ref.purchaseMac2(skP, u32(buy));
  steps.push({ name: 'DEBIT FOR PURCHASE', command: `805401000F${seq}${date}${time}${pMac1}08`, response: `${pTac}${pMac2}9000` });
  balance -= buy;
  steps.push({ name: 'GET BALANCE', command: '805C000204', response: `${u32(balance)}9000` });

  // Compound (metro exit) purchase of 2.00 yuan at offline ATC 1 with a trip record cached.
  const fare = 200;
  const seq2 = '00000124';
  steps.push({
    name: 'INITIALIZE FOR COMPOUND PURCHASE',
    command: `805003020B01${u32(fare)}${term}0F`,
    response: `${u32(balance)}0001000000${'01'}${alg8}${r3}9000`,
  });
  const trip = `020001${u32(fare)}${term}${date}${time}${u32(balance - fare)}01020304${'00'.repeat(20)}`;
  steps.push({ name: 'UPDATE CAPP DATA CACHE (trip)', command: `80DC00F030${trip}`, response: '9000' });
  const skC = purchaseSessionKey(alg, dpk, r3, u16(1), seq2);
  const cMac1 = ref.purchaseMac1(skC, { amount: u32(fare), type: '09', term, date, time });
  const cTac = ref.purchaseTac(tk, { amount: u32(fare), type: '09', term, seq: seq2, date, time });
  const cMac2 = ref.purchaseMac2(skC, u32(fare));
  steps.push({
    name: 'DEBIT FOR PURCHASE (compound)',
    command: `805401000F${seq2}${date}${time}${cMac1}08`,
    response: `${cTac}${cMac2}9000`,
  });
  balance -= fare;
  steps.push({ name: 'GET BALANCE', command: '805C000204', response: `${u32(balance)}9000` });
  steps.push({ name: 'READ RECORD SFI 18 #1', command: '00B201C400', response: `0001000000${u32(fare)}09${term}${date}${time}9000` });
  steps.push({ name: 'READ RECORD SFI 18 #3', command: '00B203C400', response: `0000000000${u32(load)}02${term}${date}${time}9000` });
  steps.push({ name: 'READ RECORD SFI 1E #1', command: '00B201F400', response: `${trip}9000` });
  return { ...input, steps };
}

export { hex };
