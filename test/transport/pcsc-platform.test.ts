// The per-platform PC/SC type layout, checked against what the platform headers give: pcsc-lite's
// pcsclite.h (Linux, unsigned long DWORD), Windows' winscard.h (4-byte DWORD, rgbAtr[36]) and
// macOS's PCSC framework (#pragma pack(1)), so that the Windows and macOS paths are checked here.
import { describe, expect, it } from 'vitest';
import { CM_IOCTL_GET_FEATURE_REQUEST } from '../../src/transport/pcsc/part10.js';
import { ioRequestLayout, pcscPlatform, readerStateFlags, readerStateLayout, SCARD } from '../../src/transport/pcsc/pcsc-platform.js';
import { ScardError } from '../../src/transport/pcsc/scard-error.js';
import { parseMultiString } from '../../src/transport/pcsc/scard-library.js';

describe('SCARD_READERSTATE and SCARD_IO_REQUEST layout', () => {
  it('Linux x64 (pcsc-lite): 8-byte DWORD and handles, natural alignment, rgbAtr[33], 80 bytes', () => {
    const p = pcscPlatform('linux', 8);
    expect([p.dword.size, p.long.size, p.handle.size]).toEqual([8, 8, 8]);
    expect(readerStateLayout(p)).toEqual({
      size: 80,
      align: 8,
      offsets: { szReader: 0, pvUserData: 8, dwCurrentState: 16, dwEventState: 24, cbAtr: 32, rgbAtr: 40 },
    });
    expect(ioRequestLayout(p).size).toBe(16);
    expect(p.libraries[0]).toBe('libpcsclite.so.1');
  });

  it('Windows x64 (WinSCard): 4-byte DWORD, pointer-sized handles, rgbAtr[36], 64 bytes, ANSI names', () => {
    const p = pcscPlatform('win32', 8);
    expect([p.dword.size, p.long.size, p.handle.size]).toEqual([4, 4, 8]);
    expect(readerStateLayout(p)).toEqual({
      size: 64,
      align: 8,
      offsets: { szReader: 0, pvUserData: 8, dwCurrentState: 16, dwEventState: 20, cbAtr: 24, rgbAtr: 28 },
    });
    expect(ioRequestLayout(p).size).toBe(8);
    expect(p.stringFunctionSuffix).toBe('A');
    expect(p.libraries).toEqual(['winscard.dll']);
  });

  it('Windows x86: 4-byte pointers, 56 bytes', () => {
    const p = pcscPlatform('win32', 4);
    expect(readerStateLayout(p)).toMatchObject({ size: 56, offsets: { dwCurrentState: 8, rgbAtr: 20 } });
  });

  it('macOS (PCSC framework): 4-byte DWORD and handles, packed to 1 byte, 61 bytes, SCardControl132', () => {
    for (const pointer of [8]) {
      const p = pcscPlatform('darwin', pointer);
      expect([p.dword.size, p.long.size, p.handle.size]).toEqual([4, 4, 4]);
      expect(readerStateLayout(p)).toEqual({
        size: 61,
        align: 1,
        offsets: { szReader: 0, pvUserData: 8, dwCurrentState: 16, dwEventState: 20, cbAtr: 24, rgbAtr: 28 },
      });
      expect(ioRequestLayout(p).size).toBe(8);
      expect(p.controlFunction).toBe('SCardControl132');
    }
  });

  it('the constants that differ: SCARD_PROTOCOL_RAW and SCARD_CTL_CODE', () => {
    expect(pcscPlatform('linux').protocolRaw).toBe(4);
    expect(pcscPlatform('win32').protocolRaw).toBe(0x10000);
    // CM_IOCTL_GET_FEATURE_REQUEST as each platform computes it.
    expect(pcscPlatform('linux').controlCode(CM_IOCTL_GET_FEATURE_REQUEST)).toBe(0x42000d48);
    expect(pcscPlatform('darwin').controlCode(CM_IOCTL_GET_FEATURE_REQUEST)).toBe(0x42000d48);
    expect(pcscPlatform('win32').controlCode(CM_IOCTL_GET_FEATURE_REQUEST)).toBe(0x00313520);
  });

  it('names the state flags', () => {
    expect(readerStateFlags(SCARD.STATE_PRESENT | SCARD.STATE_INUSE | SCARD.STATE_CHANGED)).toEqual(['present', 'inuse']);
    expect(readerStateFlags(SCARD.STATE_EMPTY)).toEqual(['empty']);
  });
});

describe('SCARD_* return codes', () => {
  it.each([
    ['SCARD_E_NO_SERVICE', 0x8010001d, 'no-service'],
    ['SCARD_E_SERVICE_STOPPED', 0x8010001e, 'no-service'],
    ['SCARD_W_REMOVED_CARD', 0x80100069, 'card-removed'],
    ['SCARD_E_NO_SMARTCARD', 0x8010000c, 'card-removed'],
    ['SCARD_E_UNKNOWN_READER', 0x80100009, 'no-reader'],
    ['SCARD_E_SHARING_VIOLATION', 0x8010000b, 'sharing-violation'],
    ['SCARD_E_TIMEOUT', 0x8010000a, 'timeout'],
    ['SCARD_E_PROTO_MISMATCH', 0x8010000f, 'protocol'],
    ['SCARD_F_COMM_ERROR', 0x80100013, 'other'],
    // LONG comes back signed where it has 4 bytes.
    ['SCARD_W_REMOVED_CARD as a signed LONG', 0x80100069 | 0, 'card-removed'],
  ])('%s (%i) is %s', (name, code, reason) => {
    const e = new ScardError(code, 'sending a command');
    expect(e.reason).toBe(reason);
    expect(e.scardCode).toBe(code >>> 0);
    expect(e.message).toContain(name.split(' ')[0]);
    expect(e.message).toMatch(/^sending a command: /);
  });

  it('shows an unknown code in hex', () => {
    expect(new ScardError(0x80100077, 'x').message).toContain('0x80100077');
  });
});

describe('multi-strings', () => {
  it('splits a double-NUL-terminated list and reads UTF-8', () => {
    const bytes = new TextEncoder().encode('Reader A 00 00\0Lecteur é 01\0\0');
    expect(parseMultiString(bytes)).toEqual(['Reader A 00 00', 'Lecteur é 01']);
    expect(parseMultiString(new Uint8Array([0]))).toEqual([]);
  });
});
