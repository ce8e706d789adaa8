import { toSpacedHex } from '../bytes/hex.js';

/**
 * Commands whose data is a secret (a PIN, a new PIN, a key cryptogram, a key to load). Traces show
 * their header and length but never the data bytes.
 */
export function commandCarriesSecret(cla: number, ins: number): boolean {
  switch (ins) {
    case 0x20: // VERIFY: the PIN (or the PKI PIN proof)
    case 0x24: // CHANGE REFERENCE DATA / PIN UNBLOCK
    case 0x2c: // RESET RETRY COUNTER: the new PIN
    case 0x5e: // CHANGE / RELOAD PIN: old and new PIN
    case 0x82: // EXTERNAL AUTHENTICATE: the cryptogram proves a key
    case 0xd4: // WRITE KEY
      return true;
    default:
      // 84 D4: a key to load; 80 FA: CIPHER DATA to a PSAM, which may be a PIN block to encrypt.
      return (cla === 0x84 && ins === 0xd4) || (cla === 0x80 && ins === 0xfa);
  }
}

/** The header in spaced hex, with data replaced by `**` per byte where it is secret. */
export function maskCommandForTrace(command: Uint8Array): string {
  if (command.length <= 5) return toSpacedHex(command);
  const cla = command[0]!;
  const ins = command[1]!;
  if (!commandCarriesSecret(cla, ins)) return toSpacedHex(command);
  // Short form: header + Lc + data [+ Le]; extended: header + 00 + Lc(2) + data [+ Le(2)].
  const extended = command[4] === 0 && command.length >= 7;
  const lc = extended ? (command[5]! << 8) | command[6]! : command[4]!;
  const dataStart = extended ? 7 : 5;
  const head = toSpacedHex(command.subarray(0, dataStart));
  const masked = Array.from({ length: Math.min(lc, command.length - dataStart) }, () => '**').join(' ');
  const tail = command.subarray(dataStart + lc);
  return `${head} ${masked}${tail.length ? ` ${toSpacedHex(tail)}` : ''}`;
}
