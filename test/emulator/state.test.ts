import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CardEmulator } from '../../emulator/card-emulator.js';
import { type CardStateData, CardStateError } from '../../emulator/card-state.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard } from '../../emulator/open-card.js';
import { MemoryStateStore, type StateStore } from '../../emulator/state-store.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';
import { SELECT_SSSE, TEST_PROFILE_PATH, testCard, testProfile } from './card-helpers.js';

let dir: string;
let stateFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-state-'));
  stateFile = join(dir, 'sub', 'card.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function send(card: CardEmulator, hex: string): string {
  return toHex(card.transmit(fromHex(hex)));
}

describe('state file', () => {
  it('is created from the profile on first use and carries writes across restarts', () => {
    const card = openCard({ profile: TEST_PROFILE_PATH, state: stateFile, logger: memoryLogger() });
    const created = JSON.parse(readFileSync(stateFile, 'utf8')) as CardStateData;
    expect(created.format).toBe('sscard-card-state/1');
    expect(created.profile).toBe('test-minimal');
    expect(created.files).toEqual({});
    send(card, SELECT_SSSE);
    expect(send(card, '00D68C0002BEEF')).toBe('9000');
    expect(send(card, '0020000003000000')).toBe('63C5');
    expect(send(card, '805E010007000000FF111111')).toBe('63C4');
    card.close();

    const again = openCard({ profile: TEST_PROFILE_PATH, state: stateFile, logger: memoryLogger() });
    send(again, SELECT_SSSE);
    expect(send(again, '00B08C0002')).toBe('BEEF9000');
    expect(send(again, '00200000')).toBe('63C4');
    again.close();
    expect(readdirSync(join(dir, 'sub'))).toEqual(['card.json']);
  });

  it('keeps a changed PIN', () => {
    const card = openCard({ profile: TEST_PROFILE_PATH, state: stateFile });
    send(card, SELECT_SSSE);
    expect(send(card, '805E010007123456FF246802')).toBe('9000');
    card.close();
    const again = openCard({ profile: TEST_PROFILE_PATH, state: stateFile });
    send(again, SELECT_SSSE);
    expect(send(again, '0020000003246802')).toBe('9000');
  });

  it('a corrupt state file is a clear error naming the file', () => {
    writeFileSync(join(dir, 'bad.json'), '{"format": "sscard-card-state/1", ');
    expect(() => openCard({ profile: TEST_PROFILE_PATH, state: join(dir, 'bad.json') })).toThrow(/bad\.json: corrupt/);
    try {
      openCard({ profile: TEST_PROFILE_PATH, state: join(dir, 'bad.json') });
    } catch (error) {
      expect(error).toBeInstanceOf(CardStateError);
      expect((error as CardStateError).code).toBe('ESTATE');
    }
  });

  it('rejects a state of another profile, or one naming files the profile lacks', () => {
    const store = new MemoryStateStore();
    new CardEmulator({ profile: testProfile(), store });
    const other = structuredClone(store.saved!);
    other.profile = 'another-card';
    expect(() => new CardEmulator({ profile: testProfile(), store: new MemoryStateStore(other) })).toThrow(
      /belongs to profile "another-card"/,
    );
    const unknown = structuredClone(store.saved!);
    unknown.files['3F00/1001/EF99'] = { content: '00' };
    expect(() => new CardEmulator({ profile: testProfile(), store: new MemoryStateStore(unknown) })).toThrow(
      /files\.3F00\/1001\/EF99: no such EF/,
    );
    const tries = structuredClone(store.saved!);
    tries.pins['3F00/1001#00'] = { triesLeft: 9, value: '123456' };
    expect(() => new CardEmulator({ profile: testProfile(), store: new MemoryStateStore(tries) })).toThrow(
      /triesLeft must be an integer 0..6/,
    );
  });

  it('reads write nothing; every change is saved before the answer', () => {
    const { send: s, store } = testCard();
    s(SELECT_SSSE);
    const n = store.saveCount;
    s('00B2012C00');
    s('00B08C0000');
    expect(store.saveCount).toBe(n);
    s('00D68C0001AA');
    expect(store.saveCount).toBe(n + 1);
    expect(store.saved?.files['3F00/1001/EF0C']).toEqual({ content: `AA${'00'.repeat(15)}` });
  });

  it('a failing save answers 6581 (memory failure) and is logged', () => {
    let fail = false;
    const inner = new MemoryStateStore();
    const store: StateStore = {
      description: 'flaky',
      load: () => inner.load(),
      save: (data) => {
        if (fail) throw new Error('disk full');
        inner.save(data);
      },
    };
    const { send: s, logger } = testCard({ store: store as MemoryStateStore });
    s(SELECT_SSSE);
    fail = true;
    expect(s('00D68C0001AA')).toBe('6581');
    expect(s('0020000003000000')).toBe('6581');
    expect(logger.lines.some((l) => l.includes('disk full'))).toBe(true);
    fail = false;
    expect(s('00B08C0001')).toBe('AA9000');
  });
});
