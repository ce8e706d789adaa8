import { createRequire } from 'node:module';
import { TransportError } from '../transport-error.js';
import { ioRequestLayout, type PcscPlatform, pcscPlatform, readerStateFields, readerStateLayout, SCARD, SCARD_E } from './pcsc-platform.js';
import { ScardError } from './scard-error.js';

/** SCARDCONTEXT / SCARDHANDLE as the FFI hands them back (a number wherever they fit one). */
export type ScardHandle = number | bigint;

/** One reader's entry for SCardGetStatusChange, in and out. */
export interface ReaderState {
  reader: string;
  /** What the caller believes (SCARD_STATE_*); the upper 16 bits carry pcsc-lite's event count. */
  currentState: number;
  /** What the service says now (out only). */
  eventState?: number;
  atr?: Uint8Array;
}

export interface CardStatus {
  reader: string;
  state: number;
  protocol: number;
  atr: Uint8Array;
}

/** Largest reader/group list we accept (pcsc-lite's names are ≤ 128 bytes, ≤ 16 readers). */
const MAX_ATR_BUFFER = 64;
const STATUS_NAME_BUFFER = 1024;

// biome-ignore lint/suspicious/noExplicitAny: koffi's functions take and return untyped values.
type Native = (...args: any[]) => number;

/**
 * The PC/SC API of the platform library (libpcsclite, winscard.dll, PCSC.framework) through the
 * koffi FFI, as plain synchronous calls: each returns its result or throws a ScardError. It blocks
 * the thread that calls it for as long as the service or the card takes, so the asynchronous API
 * (ScardThread) calls it on a thread of its own; `transmitSync` calls it directly.
 */
export class ScardLibrary {
  readonly platform: PcscPlatform;
  private readonly fn: Record<string, Native>;
  private readonly pci: Map<number, Uint8Array>;
  private readonly ptrBytes: number;
  private readonly dwordBytes: number;
  private readonly stateFields: ReturnType<typeof readerStateFields>;
  private readonly stateSize: number;
  private readonly stateOffsets: Record<string, number>;
  private readonly encodeString: (value: string) => Uint8Array;
  /** SCardTransmit's in/out length, a DWORD passed by pointer (no conversion per call: the hot path). */
  private readonly recvLength: BigUint64Array | Uint32Array;
  private readonly addressOf: (value: Uint8Array) => bigint;

  constructor(platform: PcscPlatform = pcscPlatform()) {
    this.platform = platform;
    const koffi = loadKoffi();
    let lib: { func(definition: string): Native } | undefined;
    const failures: string[] = [];
    for (const path of platform.libraries) {
      try {
        lib = koffi.load(path);
        break;
      } catch (error) {
        failures.push(error instanceof Error ? error.message.split('\n')[0]! : String(error));
      }
    }
    if (!lib) {
      throw new TransportError(
        'no-service',
        `the PC/SC library is not installed (${platform.libraries.join(' or ')}: ${failures.join('; ')}); ` +
          'on Linux install pcscd and libpcsclite1 (Debian/Ubuntu: apt-get install pcscd; Fedora: pcsc-lite)',
      );
    }
    const D = platform.dword.ffi;
    const L = platform.long.ffi;
    const H = platform.handle.ffi;
    const A = platform.stringFunctionSuffix;
    const cc = platform.flavor === 'winscard' ? '__stdcall ' : '';
    const declare = (text: string): Native => lib.func(`${L} ${cc}${text}`);
    this.fn = {
      establish: declare(`SCardEstablishContext(${D} scope, void *r1, void *r2, _Out_ ${H} *context)`),
      release: declare(`SCardReleaseContext(${H} context)`),
      isValid: declare(`SCardIsValidContext(${H} context)`),
      listReaders: declare(`SCardListReaders${A}(${H} context, const char *groups, uint8_t *readers, _Inout_ ${D} *length)`),
      listGroups: declare(`SCardListReaderGroups${A}(${H} context, uint8_t *groups, _Inout_ ${D} *length)`),
      getStatusChange: declare(`SCardGetStatusChange${A}(${H} context, ${D} timeout, uint8_t *states, ${D} count)`),
      cancel: declare(`SCardCancel(${H} context)`),
      connect: declare(
        `SCardConnect${A}(${H} context, const char *reader, ${D} share, ${D} protocols, _Out_ ${H} *card, _Out_ ${D} *protocol)`,
      ),
      reconnect: declare(`SCardReconnect(${H} card, ${D} share, ${D} protocols, ${D} init, _Out_ ${D} *protocol)`),
      disconnect: declare(`SCardDisconnect(${H} card, ${D} disposition)`),
      begin: declare(`SCardBeginTransaction(${H} card)`),
      end: declare(`SCardEndTransaction(${H} card, ${D} disposition)`),
      transmit: declare(
        `SCardTransmit(${H} card, const uint8_t *sendPci, const uint8_t *send, ${D} sendLength, void *recvPci, uint8_t *recv, void *recvLength)`,
      ),
      control: declare(
        `${platform.controlFunction}(${H} card, ${D} code, const uint8_t *input, ${D} inputLength, uint8_t *output, ${D} outputSize, _Out_ ${D} *returned)`,
      ),
      getAttrib: declare(`SCardGetAttrib(${H} card, ${D} attribute, uint8_t *value, _Inout_ ${D} *length)`),
      status: declare(
        `SCardStatus${A}(${H} card, uint8_t *name, _Inout_ ${D} *nameLength, _Out_ ${D} *state, _Out_ ${D} *protocol, uint8_t *atr, _Inout_ ${D} *atrLength)`,
      ),
    };
    this.ptrBytes = platform.pointerSize;
    this.dwordBytes = platform.dword.size;
    this.stateFields = readerStateFields(platform);
    const layout = readerStateLayout(platform);
    this.stateSize = layout.size;
    this.stateOffsets = layout.offsets;
    const io = ioRequestLayout(platform);
    this.pci = new Map();
    for (const protocol of [SCARD.PROTOCOL_T0, SCARD.PROTOCOL_T1, platform.protocolRaw]) {
      const pci = new Uint8Array(io.size);
      this.writeDword(pci, io.offsets.dwProtocol!, protocol);
      this.writeDword(pci, io.offsets.cbPciLength!, io.size);
      this.pci.set(protocol, pci);
    }
    this.recvLength = platform.dword.size === 8 ? new BigUint64Array(1) : new Uint32Array(1);
    const encoder = new TextEncoder();
    this.encodeString = (value) => encoder.encode(`${value}\0`);
    this.addressOf = (value) => koffi.address(value);
  }

  establishContext(scope: number = SCARD.SCOPE_SYSTEM): ScardHandle {
    const out: ScardHandle[] = [0];
    this.check(this.fn.establish!(scope, null, null, out), 'opening the PC/SC service');
    return out[0]!;
  }

  releaseContext(context: ScardHandle): void {
    this.check(this.fn.release!(context), 'releasing the PC/SC context');
  }

  isValidContext(context: ScardHandle): boolean {
    return this.fn.isValid!(context) === 0;
  }

  /** The readers' names (of `groups`, default all); none attached is an empty list, not an error. */
  listReaders(context: ScardHandle, groups?: string[]): string[] {
    const groupList = groups === undefined ? null : multiString(groups);
    return this.readMultiString(
      (buffer, length) => this.fn.listReaders!(context, groupList, buffer, length),
      'listing PC/SC readers',
      SCARD_E.NO_READERS_AVAILABLE,
    );
  }

  listReaderGroups(context: ScardHandle): string[] {
    return this.readMultiString((buffer, length) => this.fn.listGroups!(context, buffer, length), 'listing PC/SC reader groups');
  }

  /**
   * Waits until one of `states` differs from what the caller believes, or `timeoutMs` passes
   * (SCARD.INFINITE: forever). Resolves with the new states, or 'timeout' / 'cancelled'.
   */
  getStatusChange(context: ScardHandle, timeoutMs: number, states: ReaderState[]): ReaderState[] | 'timeout' | 'cancelled' {
    const size = this.stateSize;
    const o = this.stateOffsets;
    const buffer = new Uint8Array(size * states.length);
    // The names must stay alive (referenced) until the call returns.
    const names = states.map((s) => this.encodeString(s.reader));
    states.forEach((s, i) => {
      const base = i * size;
      this.writePointer(buffer, base + o.szReader!, this.addressOf(names[i]!));
      this.writeDword(buffer, base + o.dwCurrentState!, s.currentState >>> 0);
    });
    const rv = this.fn.getStatusChange!(context, timeoutMs >>> 0, buffer, states.length) >>> 0;
    if (rv === SCARD_E.TIMEOUT) return 'timeout';
    if (rv === SCARD_E.CANCELLED) return 'cancelled';
    this.check(rv, 'waiting for a reader change');
    void names;
    return states.map((s, i) => {
      const base = i * size;
      const atrLength = Math.min(this.readDword(buffer, base + o.cbAtr!), this.stateFields[5]!.size);
      return {
        reader: s.reader,
        currentState: s.currentState,
        eventState: this.readDword(buffer, base + o.dwEventState!),
        atr: buffer.slice(base + o.rgbAtr!, base + o.rgbAtr! + atrLength),
      };
    });
  }

  /** Ends a SCardGetStatusChange waiting on `context` (from another thread). */
  cancel(context: ScardHandle): void {
    this.check(this.fn.cancel!(context), 'cancelling a PC/SC wait');
  }

  connect(context: ScardHandle, reader: string, share: number, protocols: number): { card: ScardHandle; protocol: number } {
    const card: ScardHandle[] = [0];
    const protocol = [0];
    this.check(this.fn.connect!(context, reader, share, protocols, card, protocol), `connecting to "${reader}"`);
    return { card: card[0]!, protocol: protocol[0]! };
  }

  /** Re-negotiates (and with RESET_CARD/UNPOWER_CARD resets) the card; returns the active protocol. */
  reconnect(card: ScardHandle, share: number, protocols: number, initialization: number): number {
    const protocol = [0];
    this.check(this.fn.reconnect!(card, share, protocols, initialization, protocol), 'reconnecting to the card');
    return protocol[0]!;
  }

  disconnect(card: ScardHandle, disposition: number): void {
    this.check(this.fn.disconnect!(card, disposition), 'disconnecting from the card');
  }

  beginTransaction(card: ScardHandle): void {
    this.check(this.fn.begin!(card), 'starting a PC/SC transaction');
  }

  endTransaction(card: ScardHandle, disposition: number): void {
    this.check(this.fn.end!(card, disposition), 'ending a PC/SC transaction');
  }

  /** Sends one C-APDU; `response` (optional) is the receive buffer to reuse. */
  transmit(card: ScardHandle, protocol: number, command: Uint8Array, maxResponse: number, response?: Uint8Array): Uint8Array {
    const pci = this.pci.get(protocol);
    if (!pci) throw new TransportError('protocol', `no PC/SC protocol control information for protocol ${protocol}`);
    const buffer = response && response.length >= maxResponse ? response : new Uint8Array(maxResponse);
    const length = this.recvLength;
    if (length instanceof BigUint64Array) length[0] = BigInt(maxResponse);
    else length[0] = maxResponse;
    this.check(this.fn.transmit!(card, pci, command, command.length, null, buffer, length), 'sending a command');
    return buffer.subarray(0, Number(length[0]));
  }

  /** SCardControl: a reader command (PC/SC part 10 features, escape commands). */
  control(card: ScardHandle, code: number, input: Uint8Array, maxOutput = 4096): Uint8Array {
    const output = new Uint8Array(maxOutput);
    const returned = [0];
    this.check(this.fn.control!(card, code >>> 0, input, input.length, output, maxOutput, returned), 'sending a reader control command');
    return output.slice(0, returned[0]!);
  }

  /** SCardGetAttrib: e.g. SCARD_ATTR.VENDOR_NAME, VENDOR_IFD_SERIAL_NO, ATR_STRING. */
  getAttribute(card: ScardHandle, attribute: number): Uint8Array {
    const length = [0];
    this.check(this.fn.getAttrib!(card, attribute >>> 0, null, length), 'reading a reader attribute');
    const value = new Uint8Array(length[0]!);
    this.check(this.fn.getAttrib!(card, attribute >>> 0, value, length), 'reading a reader attribute');
    return value.slice(0, length[0]!);
  }

  status(card: ScardHandle): CardStatus {
    const name = new Uint8Array(STATUS_NAME_BUFFER);
    const nameLength = [STATUS_NAME_BUFFER];
    const state = [0];
    const protocol = [0];
    const atr = new Uint8Array(MAX_ATR_BUFFER);
    const atrLength = [MAX_ATR_BUFFER];
    this.check(this.fn.status!(card, name, nameLength, state, protocol, atr, atrLength), 'reading the card status');
    return {
      reader: parseMultiString(name.subarray(0, nameLength[0]!))[0] ?? '',
      state: state[0]!,
      protocol: protocol[0]!,
      atr: atr.slice(0, atrLength[0]!),
    };
  }

  private readMultiString(call: (buffer: Uint8Array | null, length: number[]) => number, doing: string, emptyCode?: number): string[] {
    for (let attempt = 0; attempt < 3; attempt++) {
      const length = [0];
      let rv = call(null, length) >>> 0;
      if (rv === emptyCode) return [];
      this.check(rv, doing);
      const buffer = new Uint8Array(length[0]!);
      rv = call(buffer, length) >>> 0;
      if (rv === emptyCode) return [];
      // The list grew between the two calls: ask again.
      if (rv === SCARD_E.INSUFFICIENT_BUFFER) continue;
      this.check(rv, doing);
      return parseMultiString(buffer.subarray(0, length[0]!));
    }
    throw new ScardError(SCARD_E.INSUFFICIENT_BUFFER, doing);
  }

  private check(rv: number, doing: string): void {
    if (rv !== 0) throw new ScardError(rv, doing);
  }

  private writeDword(buffer: Uint8Array, offset: number, value: number): void {
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (this.dwordBytes === 8) view.setBigUint64(offset, BigInt(value >>> 0), true);
    else view.setUint32(offset, value >>> 0, true);
  }

  private readDword(buffer: Uint8Array, offset: number): number {
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    return this.dwordBytes === 8 ? Number(view.getBigUint64(offset, true) & 0xffff_ffffn) : view.getUint32(offset, true);
  }

  private writePointer(buffer: Uint8Array, offset: number, address: bigint): void {
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (this.ptrBytes === 8) view.setBigUint64(offset, address, true);
    else view.setUint32(offset, Number(address), true);
  }
}

/** "a\0b\0\0" → ["a", "b"]. */
export function parseMultiString(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder();
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    if (i > start) out.push(decoder.decode(bytes.subarray(start, i)));
    start = i + 1;
  }
  if (start < bytes.length) out.push(decoder.decode(bytes.subarray(start)));
  return out;
}

function multiString(values: string[]): string {
  return `${values.join('\0')}\0`;
}

interface Koffi {
  load(path: string): { func(definition: string): Native };
  address(value: unknown): bigint;
}

/**
 * koffi ships prebuilt for Windows, macOS and Linux (x64, arm64) as optional packages: nothing is
 * compiled at install. Loaded on first use, so that the emulator alone never needs it.
 */
function loadKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    throw new TransportError(
      'binding-missing',
      `the FFI package "koffi" is not installed or has no prebuilt binary for ${process.platform}-${process.arch} (${
        error instanceof Error ? error.message.split('\n')[0] : String(error)
      }); run "npm install koffi"`,
      { cause: error },
    );
  }
}
