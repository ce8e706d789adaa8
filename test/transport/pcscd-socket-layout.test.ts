// PcscdSocket's message layouts held against pcsc-lite 1.9.9's src/winscard_msg.h (protocol 4.4).
// Every field there is an int32_t or uint32_t (4 bytes, so no padding anywhere) except
// connect_struct's char szReader[MAX_READERNAME = 128] and getset_struct's
// uint8_t pbAttr[MAX_BUFFER_SIZE = 264]; each offset below is the sum of the fields before it.
import { describe, expect, it } from 'vitest';
import { PCSCD_PROTOCOL, PCSCD_STRUCTS, pcscdSocketPath } from '../../src/transport/pcsc/pcscd-messages.js';

describe("pcscd message layouts (pcsc-lite 1.9.9's winscard_msg.h)", () => {
  it('speaks protocol 4.4 (PROTOCOL_VERSION_MAJOR 4, PROTOCOL_VERSION_MINOR 4)', () => {
    expect(PCSCD_PROTOCOL).toEqual({ major: 4, minor: 4, newestMinor: 6 });
  });

  it('version_struct { int32 major; int32 minor; uint32 rv }: 3 × 4 = 12 bytes', () => {
    expect(PCSCD_STRUCTS.version).toEqual({ size: 12, major: 0, minor: 4, rv: 8 });
  });

  it('establish_struct { dwScope; hContext; rv }: 3 × 4 = 12 bytes', () => {
    expect(PCSCD_STRUCTS.establish).toEqual({ size: 12, scope: 0, context: 4, rv: 8 });
  });

  it('release_struct { hContext; rv }: 2 × 4 = 8 bytes', () => {
    expect(PCSCD_STRUCTS.release).toEqual({ size: 8, context: 0, rv: 4 });
  });

  it('connect_struct { hContext; szReader[128]; dwShareMode; dwPreferredProtocols; hCard; dwActiveProtocol; rv }: 4 + 128 + 5 × 4 = 152 bytes', () => {
    // szReader at 4 (after hContext), dwShareMode at 4 + 128 = 132, then a field every 4 bytes.
    expect(PCSCD_STRUCTS.connect).toEqual({
      size: 152,
      context: 0,
      reader: 4,
      share: 132,
      protocols: 136,
      card: 140,
      activeProtocol: 144,
      rv: 148,
    });
  });

  it('reconnect_struct { hCard; dwShareMode; dwPreferredProtocols; dwInitialization; dwActiveProtocol; rv }: 6 × 4 = 24 bytes', () => {
    expect(PCSCD_STRUCTS.reconnect).toEqual({ size: 24, card: 0, share: 4, protocols: 8, initialization: 12, activeProtocol: 16, rv: 20 });
  });

  it('disconnect_struct and end_struct { hCard; dwDisposition; rv }: 3 × 4 = 12 bytes', () => {
    expect(PCSCD_STRUCTS.disconnect).toEqual({ size: 12, card: 0, disposition: 4, rv: 8 });
    expect(PCSCD_STRUCTS.end).toEqual({ size: 12, card: 0, disposition: 4, rv: 8 });
  });

  it('begin_struct and status_struct { hCard; rv }: 2 × 4 = 8 bytes', () => {
    expect(PCSCD_STRUCTS.begin).toEqual({ size: 8, card: 0, rv: 4 });
    expect(PCSCD_STRUCTS.status).toEqual({ size: 8, card: 0, rv: 4 });
  });

  it('transmit_struct { hCard; ioSendPciProtocol; ioSendPciLength; cbSendLength; ioRecvPciProtocol; ioRecvPciLength; pcbRecvLength; rv }: 8 × 4 = 32 bytes', () => {
    expect(PCSCD_STRUCTS.transmit).toEqual({
      size: 32,
      card: 0,
      sendProtocol: 4,
      sendPciLength: 8,
      sendLength: 12,
      recvProtocol: 16,
      recvPciLength: 20,
      recvLength: 24,
      rv: 28,
    });
  });

  it('control_struct { hCard; dwControlCode; cbSendLength; cbRecvLength; dwBytesReturned; rv }: 6 × 4 = 24 bytes', () => {
    expect(PCSCD_STRUCTS.control).toEqual({ size: 24, card: 0, code: 4, sendLength: 8, recvLength: 12, bytesReturned: 16, rv: 20 });
  });

  it('getset_struct { hCard; dwAttrId; pbAttr[264]; cbAttrLen; rv }: 8 + 264 + 8 = 280 bytes', () => {
    // pbAttr at 8 (after hCard and dwAttrId), cbAttrLen at 8 + 264 = 272, rv at 276.
    expect(PCSCD_STRUCTS.getAttribute).toEqual({ size: 280, card: 0, attribute: 4, value: 8, length: 272, rv: 276 });
  });
});

describe('pcscdSocketPath', () => {
  it("is $PCSCLITE_CSOCK_NAME when set (libpcsclite's override)", () => {
    expect(pcscdSocketPath({ PCSCLITE_CSOCK_NAME: '/tmp/elsewhere/pcscd.comm' })).toBe('/tmp/elsewhere/pcscd.comm');
  });

  it("is pcsc-lite's default /run/pcscd/pcscd.comm when unset or empty", () => {
    expect(pcscdSocketPath({})).toBe('/run/pcscd/pcscd.comm');
    expect(pcscdSocketPath({ PCSCLITE_CSOCK_NAME: '' })).toBe('/run/pcscd/pcscd.comm');
  });

  it('reads the process environment by default', () => {
    const saved = process.env.PCSCLITE_CSOCK_NAME;
    try {
      process.env.PCSCLITE_CSOCK_NAME = '/tmp/from-env/pcscd.comm';
      expect(pcscdSocketPath()).toBe('/tmp/from-env/pcscd.comm');
    } finally {
      if (saved === undefined) delete process.env.PCSCLITE_CSOCK_NAME;
      else process.env.PCSCLITE_CSOCK_NAME = saved;
    }
  });
});
