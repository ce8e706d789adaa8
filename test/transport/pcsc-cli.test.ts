import { afterEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { setEmulatorFactory } from '../../src/cli/open-transport.js';
import { FakeVirtualCard } from './fake-virtual-card.js';

afterEach(() => setEmulatorFactory(undefined));

function useFakeEmulator(): FakeVirtualCard {
  const card = new FakeVirtualCard();
  setEmulatorFactory(async () => ({ card, label: 'fake', close: async () => {} }));
  return card;
}

describe('sscard atr', () => {
  it('decodes an ATR given in hex', async () => {
    const io = memoryIo();
    expect(await runCli(['atr', '3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7'], io)).toBe(0);
    const text = io.text();
    expect(text).toMatch(/TS = 3B {2}direct convention/);
    expect(text).toMatch(/TA1 {2}= 13 {2}Fi=372 \(f max 5 MHz\), Di=4/);
    expect(text).toMatch(/protocols: T=1/);
    expect(text).toMatch(/"JCOPv241"/);
    expect(text).toMatch(/TCK {2}= B7 {2}correct/);
    expect(text).toMatch(/contact card/);
  });

  it('recognises a contactless synthesized ATR, also in JSON', async () => {
    const io = memoryIo();
    expect(await runCli(['atr', '3B8F8001804F0CA000000306030001000000006A', '--json'], io)).toBe(0);
    const json = JSON.parse(io.text());
    expect(json.kind).toBe('contactless');
    expect(json.contactless.cardName.name).toBe('MIFARE Classic 1K');
  });

  it('reports a malformed ATR as a usage error in one line', async () => {
    const io = memoryIo();
    expect(await runCli(['atr', '3A00'], io)).toBe(2);
    expect(io.errText()).toMatch(/^sscard: ATR: TS must be 3B/);
  });

  it('reads the ATR of the emulator', async () => {
    useFakeEmulator();
    const io = memoryIo();
    expect(await runCli(['atr', '--emulator'], io)).toBe(0);
    expect(io.text()).toMatch(/ATR: 3B 02 14 50/);
  });
});

describe('sscard send --emulator', () => {
  it('prints each exchange as "> command" and "< response SW meaning"', async () => {
    const card = useFakeEmulator();
    const io = memoryIo();
    expect(await runCli(['send', '--emulator', '00A4000002 3F00', '80CA000003', '00B00000'], io)).toBe(0);
    expect(io.text()).toBe(
      '> 00A40000023F00\n< 9000 success\n> 80CA000003\n< 000102 9000 success\n> 00B00000\n< 6D00 instruction code not supported\n',
    );
    expect(card.events[0]).toBe('on');
  });

  it('prints JSON with --json', async () => {
    useFakeEmulator();
    const io = memoryIo();
    expect(await runCli(['send', '--emulator', '--json', '80CA000002'], io)).toBe(0);
    expect(JSON.parse(io.text())).toEqual({
      reader: 'sscard emulator (fake)',
      exchanges: [{ command: '80CA000002', response: '0001', sw: '9000', meaning: 'success' }],
    });
  });

  it('rejects an APDU shorter than its header', async () => {
    useFakeEmulator();
    const io = memoryIo();
    expect(await runCli(['send', '--emulator', '00A4'], io)).toBe(2);
    expect(io.errText()).toMatch(/at least 4/);
  });

  it.each([
    ['send', '--emulator', '--exclusive', '00A4000000'],
    ['run', '--emulator', '--exclusive', 'x.script'],
    ['info', '--emulator', '--exclusive'],
  ])('%s: --exclusive is for a PC/SC reader, not --emulator', async (...args) => {
    useFakeEmulator();
    const io = memoryIo();
    expect(await runCli(args, io)).toBe(2);
    expect(io.errText()).toMatch(/--exclusive applies to a PC\/SC reader/);
  });
});
