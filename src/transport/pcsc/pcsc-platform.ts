/**
 * Everything about PC/SC that differs between platforms, in one place: which library to load,
 * the C type sizes (pcsc-lite on 64-bit Linux uses `unsigned long`/`long`, 8 bytes, for DWORD,
 * LONG and the handles; WinSCard and macOS use 4-byte DWORDs), macOS's byte-packed
 * SCARD_READERSTATE, the constants whose values are not the same everywhere, and the SCARD_*
 * return codes (the same values everywhere). The values are those of the platform headers:
 * pcsc-lite's pcsclite.h/reader.h, Windows' winscard.h/winsmcrd.h, macOS's PCSC framework.
 */

export type PcscFlavor = 'pcsc-lite' | 'winscard' | 'macos';

/** A C scalar type as the FFI names it, with its size (bytes). */
export interface CType {
  ffi: string;
  size: number;
}

export interface PcscPlatform {
  flavor: PcscFlavor;
  /** Library names to try, in order. */
  libraries: string[];
  pointerSize: number;
  dword: CType;
  long: CType;
  /** SCARDCONTEXT and SCARDHANDLE. */
  handle: CType;
  /** macOS declares its structs under `#pragma pack(1)`. */
  packedStructs: boolean;
  /** Size of SCARD_READERSTATE.rgbAtr: MAX_ATR_SIZE (33) in pcsc-lite and macOS, 36 in WinSCard. */
  readerStateAtrSize: number;
  /** The ANSI names of functions taking strings carry an `A` on Windows (SCardConnectA). */
  stringFunctionSuffix: '' | 'A';
  /** macOS keeps the pcsc-lite 1.3.2 SCardControl signature under another name. */
  controlFunction: string;
  protocolRaw: number;
  /** SCARD_CTL_CODE(code): pcsc-lite 0x42000000 + code; Windows CTL_CODE(FILE_DEVICE_SMARTCARD, code, 0, 0). */
  controlCode(code: number): number;
}

const LIBRARIES: Record<PcscFlavor, string[]> = {
  'pcsc-lite': ['libpcsclite.so.1', 'libpcsclite.so'],
  winscard: ['winscard.dll'],
  macos: ['/System/Library/Frameworks/PCSC.framework/PCSC'],
};

/** The platform description for `os` (a process.platform value) and a pointer size in bytes. */
export function pcscPlatform(os: string = process.platform, pointerSize = pointerSizeOf(process.arch)): PcscPlatform {
  if (os === 'win32') {
    return {
      flavor: 'winscard',
      libraries: LIBRARIES.winscard,
      pointerSize,
      dword: { ffi: 'uint32_t', size: 4 },
      long: { ffi: 'int32_t', size: 4 },
      // ULONG_PTR
      handle: { ffi: 'uintptr_t', size: pointerSize },
      packedStructs: false,
      readerStateAtrSize: 36,
      stringFunctionSuffix: 'A',
      controlFunction: 'SCardControl',
      protocolRaw: 0x0001_0000,
      controlCode: (code) => ((0x31 << 16) | (code << 2)) >>> 0,
    };
  }
  if (os === 'darwin') {
    return {
      flavor: 'macos',
      libraries: LIBRARIES.macos,
      pointerSize,
      dword: { ffi: 'uint32_t', size: 4 },
      long: { ffi: 'int32_t', size: 4 },
      handle: { ffi: 'int32_t', size: 4 },
      packedStructs: true,
      readerStateAtrSize: 33,
      stringFunctionSuffix: '',
      controlFunction: 'SCardControl132',
      protocolRaw: 0x0004,
      controlCode: (code) => (0x4200_0000 + code) >>> 0,
    };
  }
  // Linux and the BSDs: pcsc-lite, whose DWORD is `unsigned long` (the pointer's size on LP64).
  return {
    flavor: 'pcsc-lite',
    libraries: LIBRARIES['pcsc-lite'],
    pointerSize,
    dword: { ffi: 'unsigned long', size: pointerSize },
    long: { ffi: 'long', size: pointerSize },
    handle: { ffi: 'long', size: pointerSize },
    packedStructs: false,
    readerStateAtrSize: 33,
    stringFunctionSuffix: '',
    controlFunction: 'SCardControl',
    protocolRaw: 0x0004,
    controlCode: (code) => (0x4200_0000 + code) >>> 0,
  };
}

function pointerSizeOf(arch: string): number {
  return ['ia32', 'arm', 'mips', 'mipsel', 'ppc'].includes(arch) ? 4 : 8;
}

/** Where each field of a C struct lies, computed with the C rules (or packed to 1 byte). */
export interface StructLayout {
  size: number;
  align: number;
  offsets: Record<string, number>;
}

/** The fields of SCARD_READERSTATE in order, with their sizes and alignments. */
export function readerStateFields(p: PcscPlatform): Array<{ name: string; size: number; align: number }> {
  return [
    { name: 'szReader', size: p.pointerSize, align: p.pointerSize },
    { name: 'pvUserData', size: p.pointerSize, align: p.pointerSize },
    { name: 'dwCurrentState', size: p.dword.size, align: p.dword.size },
    { name: 'dwEventState', size: p.dword.size, align: p.dword.size },
    { name: 'cbAtr', size: p.dword.size, align: p.dword.size },
    { name: 'rgbAtr', size: p.readerStateAtrSize, align: 1 },
  ];
}

export function readerStateLayout(p: PcscPlatform): StructLayout {
  return layout(readerStateFields(p), p.packedStructs);
}

/** SCARD_IO_REQUEST: { DWORD dwProtocol; DWORD cbPciLength } (unsigned long on pcsc-lite). */
export function ioRequestLayout(p: PcscPlatform): StructLayout {
  const dword = { size: p.dword.size, align: p.dword.size };
  return layout(
    [
      { name: 'dwProtocol', ...dword },
      { name: 'cbPciLength', ...dword },
    ],
    p.packedStructs,
  );
}

function layout(fields: Array<{ name: string; size: number; align: number }>, packed: boolean): StructLayout {
  const offsets: Record<string, number> = {};
  let offset = 0;
  let align = 1;
  for (const f of fields) {
    const a = packed ? 1 : f.align;
    offset = Math.ceil(offset / a) * a;
    offsets[f.name] = offset;
    offset += f.size;
    align = Math.max(align, a);
  }
  return { size: Math.ceil(offset / align) * align, align, offsets };
}

/** Constants with the same value on every platform (pcsclite.h = winscard.h here). */
export const SCARD = {
  SCOPE_USER: 0,
  SCOPE_SYSTEM: 2,
  SHARE_EXCLUSIVE: 1,
  SHARE_SHARED: 2,
  SHARE_DIRECT: 3,
  PROTOCOL_UNDEFINED: 0,
  PROTOCOL_T0: 1,
  PROTOCOL_T1: 2,
  LEAVE_CARD: 0,
  RESET_CARD: 1,
  UNPOWER_CARD: 2,
  EJECT_CARD: 3,
  STATE_UNAWARE: 0x0000,
  STATE_IGNORE: 0x0001,
  STATE_CHANGED: 0x0002,
  STATE_UNKNOWN: 0x0004,
  STATE_UNAVAILABLE: 0x0008,
  STATE_EMPTY: 0x0010,
  STATE_PRESENT: 0x0020,
  STATE_ATRMATCH: 0x0040,
  STATE_EXCLUSIVE: 0x0080,
  STATE_INUSE: 0x0100,
  STATE_MUTE: 0x0200,
  STATE_UNPOWERED: 0x0400,
  /** Wait forever in SCardGetStatusChange. */
  INFINITE: 0xffff_ffff,
  /** The reader name that reports readers being attached or detached. */
  PNP_NOTIFICATION: '\\\\?PnP?\\Notification',
} as const;

/** The SCARD_STATE_* flags a reader state has, by name: present, empty, mute, inuse, exclusive, unavailable. */
export function readerStateFlags(state: number): string[] {
  const flags: Array<[number, string]> = [
    [SCARD.STATE_PRESENT, 'present'],
    [SCARD.STATE_EMPTY, 'empty'],
    [SCARD.STATE_MUTE, 'mute'],
    [SCARD.STATE_INUSE, 'inuse'],
    [SCARD.STATE_EXCLUSIVE, 'exclusive'],
    [SCARD.STATE_UNAVAILABLE, 'unavailable'],
  ];
  return flags.filter(([bit]) => (state & bit) !== 0).map(([, name]) => name);
}

/** SCARD_ATTR_VALUE(class, tag) for the attributes sscard reads. */
export const SCARD_ATTR = {
  VENDOR_NAME: 0x0001_0100,
  VENDOR_IFD_TYPE: 0x0001_0101,
  VENDOR_IFD_VERSION: 0x0001_0102,
  VENDOR_IFD_SERIAL_NO: 0x0001_0103,
  ATR_STRING: 0x0009_0303,
  DEVICE_FRIENDLY_NAME: 0x7fff_0003,
} as const;

/** The SCARD_* return codes (LONG; shown here unsigned), with pcsc-lite's wording. */
export const SCARD_ERRORS: Record<number, { name: string; text: string }> = {
  2148532225: { name: 'SCARD_F_INTERNAL_ERROR', text: 'internal consistency check failed' },
  2148532226: { name: 'SCARD_E_CANCELLED', text: 'cancelled by SCardCancel' },
  2148532227: { name: 'SCARD_E_INVALID_HANDLE', text: 'invalid handle' },
  2148532228: { name: 'SCARD_E_INVALID_PARAMETER', text: 'invalid parameter' },
  2148532229: { name: 'SCARD_E_INVALID_TARGET', text: 'invalid target' },
  2148532230: { name: 'SCARD_E_NO_MEMORY', text: 'not enough memory' },
  2148532231: { name: 'SCARD_F_WAITED_TOO_LONG', text: 'waited too long' },
  2148532232: { name: 'SCARD_E_INSUFFICIENT_BUFFER', text: 'insufficient buffer' },
  2148532233: { name: 'SCARD_E_UNKNOWN_READER', text: 'unknown reader' },
  2148532234: { name: 'SCARD_E_TIMEOUT', text: 'timed out' },
  2148532235: { name: 'SCARD_E_SHARING_VIOLATION', text: 'sharing violation' },
  2148532236: { name: 'SCARD_E_NO_SMARTCARD', text: 'no smart card present' },
  2148532237: { name: 'SCARD_E_UNKNOWN_CARD', text: 'unknown card' },
  2148532238: { name: 'SCARD_E_CANT_DISPOSE', text: 'cannot dispose of the card' },
  2148532239: { name: 'SCARD_E_PROTO_MISMATCH', text: 'protocol mismatch' },
  2148532240: { name: 'SCARD_E_NOT_READY', text: 'reader or card not ready' },
  2148532241: { name: 'SCARD_E_INVALID_VALUE', text: 'invalid value' },
  2148532242: { name: 'SCARD_E_SYSTEM_CANCELLED', text: 'cancelled by the system' },
  2148532243: { name: 'SCARD_F_COMM_ERROR', text: 'communication error with the PC/SC service' },
  2148532244: { name: 'SCARD_F_UNKNOWN_ERROR', text: 'unknown internal error' },
  2148532245: { name: 'SCARD_E_INVALID_ATR', text: 'invalid ATR' },
  2148532246: { name: 'SCARD_E_NOT_TRANSACTED', text: 'no transaction to end' },
  2148532247: { name: 'SCARD_E_READER_UNAVAILABLE', text: 'reader unavailable' },
  2148532248: { name: 'SCARD_P_SHUTDOWN', text: 'aborted for the service to exit' },
  2148532249: { name: 'SCARD_E_PCI_TOO_SMALL', text: 'PCI receive buffer too small' },
  2148532250: { name: 'SCARD_E_READER_UNSUPPORTED', text: 'reader driver unsupported' },
  2148532251: { name: 'SCARD_E_DUPLICATE_READER', text: 'duplicate reader name' },
  2148532252: { name: 'SCARD_E_CARD_UNSUPPORTED', text: 'card not supported' },
  2148532253: { name: 'SCARD_E_NO_SERVICE', text: 'PC/SC service not running' },
  2148532254: { name: 'SCARD_E_SERVICE_STOPPED', text: 'PC/SC service stopped' },
  2148532255: { name: 'SCARD_E_UNSUPPORTED_FEATURE', text: 'feature not supported' },
  2148532270: { name: 'SCARD_E_NO_READERS_AVAILABLE', text: 'no readers available' },
  2148532271: { name: 'SCARD_E_COMM_DATA_LOST', text: 'communication data lost' },
  2148532273: { name: 'SCARD_E_SERVER_TOO_BUSY', text: 'PC/SC service too busy' },
  2148532325: { name: 'SCARD_W_UNSUPPORTED_CARD', text: 'card not supported (ATR conflict)' },
  2148532326: { name: 'SCARD_W_UNRESPONSIVE_CARD', text: 'card is unresponsive' },
  2148532327: { name: 'SCARD_W_UNPOWERED_CARD', text: 'card is unpowered' },
  2148532328: { name: 'SCARD_W_RESET_CARD', text: 'card was reset' },
  2148532329: { name: 'SCARD_W_REMOVED_CARD', text: 'card was removed' },
  2148532330: { name: 'SCARD_W_SECURITY_VIOLATION', text: 'security violation' },
  2148532331: { name: 'SCARD_W_WRONG_CHV', text: 'wrong PIN' },
  2148532332: { name: 'SCARD_W_CHV_BLOCKED', text: 'PIN blocked' },
  2148532334: { name: 'SCARD_W_CANCELLED_BY_USER', text: 'cancelled by the user' },
};

/** Codes by name, for the code that acts on them. */
export const SCARD_E = {
  CANCELLED: 0x8010_0002,
  INVALID_HANDLE: 0x8010_0003,
  INVALID_PARAMETER: 0x8010_0004,
  INSUFFICIENT_BUFFER: 0x8010_0008,
  UNKNOWN_READER: 0x8010_0009,
  TIMEOUT: 0x8010_000a,
  SHARING_VIOLATION: 0x8010_000b,
  NO_SMARTCARD: 0x8010_000c,
  PROTO_MISMATCH: 0x8010_000f,
  COMM_ERROR: 0x8010_0013,
  NOT_TRANSACTED: 0x8010_0016,
  READER_UNAVAILABLE: 0x8010_0017,
  CARD_UNSUPPORTED: 0x8010_001c,
  NO_SERVICE: 0x8010_001d,
  SERVICE_STOPPED: 0x8010_001e,
  UNSUPPORTED_FEATURE: 0x8010_001f,
  NO_READERS_AVAILABLE: 0x8010_002e,
  UNSUPPORTED_CARD: 0x8010_0065,
  UNRESPONSIVE_CARD: 0x8010_0066,
  UNPOWERED_CARD: 0x8010_0067,
  RESET_CARD: 0x8010_0068,
  REMOVED_CARD: 0x8010_0069,
} as const;
