/**
 * pcsc-lite's client messages (its winscard_msg.h), as PcscdSocket writes and reads them: the
 * command numbers, the protocol versions, every struct's size and field offsets, and the requests
 * built from them. All fields are 32-bit, in the machine's byte order, written here
 * little-endian (the socket path is used on little-endian machines only).
 */

/** pcsc-lite's command numbers (pcsc_msg_commands). */
export const CMD = {
  ESTABLISH_CONTEXT: 0x01,
  RELEASE_CONTEXT: 0x02,
  CONNECT: 0x04,
  RECONNECT: 0x05,
  DISCONNECT: 0x06,
  BEGIN_TRANSACTION: 0x07,
  END_TRANSACTION: 0x08,
  TRANSMIT: 0x09,
  CONTROL: 0x0a,
  STATUS: 0x0b,
  GET_ATTRIB: 0x0f,
  VERSION: 0x11,
} as const;

/**
 * The protocol versions whose card-call messages we know: 4.4 (pcsc-lite 1.9) to 4.6 (2.x). They
 * differ only in reader-state commands we do not send. We state 4.4 first; a pcscd 2.x accepts
 * it (and logs a version mismatch) and answers its own version, which the process states from
 * then on, so pcscd's log shows that line once per process, not once per connection.
 */
export const PCSCD_PROTOCOL = { major: 4, minor: 4, newestMinor: 6 } as const;
/** MAX_READERNAME: the reader name field of connect_struct. */
export const READER_NAME_BYTES = 128;
/** MAX_BUFFER_SIZE: the attribute field of getset_struct. */
export const ATTRIBUTE_BYTES = 264;
/** The longest command pcscd takes (MAX_BUFFER_SIZE_EXTENDED: 4 + 3 + 65,536 + 2 bytes). */
export const PCSCD_MAX_COMMAND = 65_545;
/** SCARD_IO_REQUEST's size as libpcsclite sends it (two `unsigned long`s); pcscd passes it on. */
const PCI_LENGTH = 2 * (process.arch.endsWith('64') ? 8 : 4);
export const SCOPE_SYSTEM = 2;
/**
 * The message layouts: each struct's size and its fields' offsets (all 4-byte fields). Exported
 * for the layout test, which holds them against pcsc-lite's winscard_msg.h.
 */
export const PCSCD_STRUCTS = {
  version: { size: 12, major: 0, minor: 4, rv: 8 },
  establish: { size: 12, scope: 0, context: 4, rv: 8 },
  release: { size: 8, context: 0, rv: 4 },
  connect: { size: 152, context: 0, reader: 4, share: 132, protocols: 136, card: 140, activeProtocol: 144, rv: 148 },
  reconnect: { size: 24, card: 0, share: 4, protocols: 8, initialization: 12, activeProtocol: 16, rv: 20 },
  disconnect: { size: 12, card: 0, disposition: 4, rv: 8 },
  begin: { size: 8, card: 0, rv: 4 },
  end: { size: 12, card: 0, disposition: 4, rv: 8 },
  status: { size: 8, card: 0, rv: 4 },
  transmit: {
    size: 32,
    card: 0,
    sendProtocol: 4,
    sendPciLength: 8,
    sendLength: 12,
    recvProtocol: 16,
    recvPciLength: 20,
    recvLength: 24,
    rv: 28,
  },
  control: { size: 24, card: 0, code: 4, sendLength: 8, recvLength: 12, bytesReturned: 16, rv: 20 },
  getAttribute: { size: 16 + ATTRIBUTE_BYTES, card: 0, attribute: 4, value: 8, length: 8 + ATTRIBUTE_BYTES, rv: 12 + ATTRIBUTE_BYTES },
} as const;

/** Where pcscd listens: $PCSCLITE_CSOCK_NAME (as libpcsclite reads it), else pcsc-lite's default. */
export function pcscdSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PCSCLITE_CSOCK_NAME || '/run/pcscd/pcscd.comm';
}

/** A request: the header, the struct `fill` writes, and `extra` bytes after it (filled too). */
export function message(command: number, size: number, extra: number, fill: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = new Uint8Array(8 + size + extra);
  const header = new DataView(bytes.buffer);
  header.setUint32(0, size, true);
  header.setUint32(4, command, true);
  const body = bytes.subarray(8);
  fill(new DataView(bytes.buffer, 8), body);
  return bytes;
}

export function transmitRequest(card: number, protocol: number, command: Uint8Array, maxResponse: number): Uint8Array {
  const t = PCSCD_STRUCTS.transmit;
  return message(CMD.TRANSMIT, t.size, command.length, (view, bytes) => {
    view.setInt32(t.card, card, true);
    view.setUint32(t.sendProtocol, protocol, true);
    view.setUint32(t.sendPciLength, PCI_LENGTH, true);
    view.setUint32(t.sendLength, command.length, true);
    view.setUint32(t.recvProtocol, protocol, true);
    view.setUint32(t.recvPciLength, PCI_LENGTH, true);
    view.setUint32(t.recvLength, maxResponse, true);
    bytes.set(command, t.size);
  });
}

/** The answer's bytes follow a transmit_struct only on success. */
export function transmitExtra(view: DataView): number {
  const t = PCSCD_STRUCTS.transmit;
  return view.getUint32(t.rv, true) === 0 ? view.getUint32(t.recvLength, true) : 0;
}
