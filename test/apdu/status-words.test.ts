import { describe, expect, it } from 'vitest';
import { errorForStatus, PinError } from '../../src/apdu/apdu-error.js';
import { decodeStatusWord } from '../../src/apdu/status-words.js';

describe('status words', () => {
  it('decodes wrong-PIN counts from 63Cx', () => {
    const info = decodeStatusWord(0x63c2);
    expect(info.triesLeft).toBe(2);
    expect(info.meaning).toBe('wrong PIN, 2 tries left');
    expect(info.meaningZh).toContain('2 次');
    expect(decodeStatusWord(0x63c0).meaning).toMatch(/blocked/);
  });
  it('names the card-specific words of card-facts §9', () => {
    expect(decodeStatusWord(0x6983).meaning).toMatch(/PIN blocked/);
    expect(decodeStatusWord(0x9401).meaning).toBe('insufficient balance');
    expect(decodeStatusWord(0x9302).meaning).toBe('MAC invalid');
    expect(decodeStatusWord(0x9403).meaning).toBe('key index not supported');
    expect(decodeStatusWord(0x9406).meaning).toBe('required MAC unavailable');
    expect(decodeStatusWord(0x6283).meaning).toMatch(/blocked/);
    expect(decodeStatusWord(0x6a82).meaningZh).toBe('文件或应用未找到');
  });
  it('reads the counts in 61xx and 6Cxx', () => {
    expect(decodeStatusWord(0x6112).bytesAvailable).toBe(0x12);
    expect(decodeStatusWord(0x6c1e).correctLe).toBe(0x1e);
    expect(decodeStatusWord(0x6c00).correctLe).toBe(256);
  });
  it('falls back to the SW1 class, then to unknown', () => {
    expect(decodeStatusWord(0x6a99).meaning).toBe('wrong parameters P1-P2');
    expect(decodeStatusWord(0x1234).meaning).toBe('unknown status word');
  });
  it('turns PIN refusals into PinError with tries left', () => {
    const e = errorForStatus(0x63c3, 0x20);
    expect(e).toBeInstanceOf(PinError);
    expect((e as PinError).triesLeft).toBe(3);
    const blocked = errorForStatus(0x6983, 0x20) as PinError;
    expect(blocked.blocked).toBe(true);
    expect(errorForStatus(0x6983, 0x82)).not.toBeInstanceOf(PinError);
  });
});
