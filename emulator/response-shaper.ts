import type { CommandApdu } from '../src/apdu/command-apdu.js';
import { CardStatus, SW } from './card-status.js';

const SHORT_MAX = 256;

/**
 * Turns a handler's (data, SW) into the bytes a reader receives, by the rules of the transmission
 * protocol, and keeps what GET RESPONSE still has to deliver.
 *
 * T=0 (contact card with protocol "T=0"):
 * - a command with command data (case 3/4) or without any length (case 1) that produces data
 *   answers `61xx` and keeps the data for GET RESPONSE (a T=0 TPDU cannot carry Le and data);
 * - case 2 with Le equal to the data length, or Le=00, gets the data; any other Le gets `6Cxx`
 *   (xx = the exact length) and nothing is returned. READ RECORD wants the exact length also
 *   instead of Le=00 (P5 §6.10.4); it applies `wrongLeStatus` itself, before it moves anything.
 * T=1 and contactless:
 * - Le absent: the data is returned anyway (lenient: many terminals omit Le on SELECT);
 * - Le=00 (or extended 0000) or Le ≥ data length: the data (Le is a maximum, ISO 7816-4);
 * - Le shorter than the data: `6Cxx`. (READ BINARY never gets here: it reads at most Le bytes.)
 * Either protocol: more data than one answer can carry is sent in pieces with `61xx`.
 * A command that already changed the card's state (a purchase, a key generation) never answers
 * `6Cxx`, which tells the terminal to send it again: a wrong Le then gets what fits and `61xx`
 * for the rest, so a re-sent command can never debit twice.
 * A warning SW (e.g. 6283 with an FCI) comes with the last piece.
 */
export class ResponseShaper {
  private pending: { data: Uint8Array; sw: number } | undefined;

  /** Drops any undelivered data (every command other than GET RESPONSE does). */
  clear(): void {
    this.pending = undefined;
  }

  shape(apdu: CommandApdu, data: Uint8Array, sw: number, t0: boolean, stateChanged = false): Uint8Array {
    this.pending = undefined;
    const n = data.length;
    if (n === 0) return swBytes(sw);
    const max = apdu.extended ? 65536 : SHORT_MAX;
    const le = apdu.le;
    if (t0 && (apdu.data.length > 0 || le === undefined)) return this.hold(data, sw);
    const wrongLe = stateChanged ? undefined : wrongLeStatus(apdu, n, t0);
    if (wrongLe !== undefined) return swBytes(wrongLe);
    return this.piece(data, sw, Math.min(le ?? max, max));
  }

  /**
   * GET RESPONSE `00 C0 00 00 Le` (P5 §6.6): Le = 00 (256) or at most what waits; Le = 00 while
   * less than 256 bytes wait, or a longer Le, gets 6Cxx with the length waiting (the data stays).
   * Nothing waiting → 6F00.
   */
  getResponse(apdu: CommandApdu): Uint8Array {
    if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
    if (apdu.le === undefined || apdu.data.length > 0) throw new CardStatus(SW.WRONG_LENGTH);
    const pending = this.pending;
    if (pending === undefined) throw new CardStatus(SW.UNKNOWN_ERROR, 'nothing to get');
    const available = pending.data.length;
    const le = Math.min(apdu.le, SHORT_MAX);
    if (le > available) return swBytes(0x6c00 | (available & 0xff));
    return this.piece(pending.data, pending.sw, le);
  }

  /** Returns up to `limit` bytes; the rest stays for GET RESPONSE and is announced with 61xx. */
  private piece(data: Uint8Array, sw: number, limit: number): Uint8Array {
    if (data.length <= limit) {
      this.pending = undefined;
      return withSw(data, sw);
    }
    const rest = data.slice(limit);
    this.pending = { data: rest, sw };
    return withSw(data.subarray(0, limit), 0x6100 | (rest.length > 255 ? 0 : rest.length));
  }

  private hold(data: Uint8Array, sw: number): Uint8Array {
    this.pending = { data, sw };
    return swBytes(0x6100 | (data.length > 255 ? 0 : data.length));
  }
}

/**
 * The `6Cxx` that a case-2 answer of `length` bytes gets for the command's Le, or undefined when
 * the data goes out: Le absent, equal to the length, or a maximum (00; on T=1 and contactless any
 * Le at least the length). `zeroLeIsMaximum` false: on T=0, Le = 00 must be the real length too
 * (READ RECORD, P5 §6.10.4). More than 256 bytes cannot be named in 6Cxx: they go in pieces.
 */
export function wrongLeStatus(apdu: CommandApdu, length: number, t0: boolean, zeroLeIsMaximum = true): number | undefined {
  const le = apdu.le;
  if (le === undefined || le === length || length > SHORT_MAX) return undefined;
  if (t0 && apdu.data.length > 0) return undefined; // case 4 on T=0: announced with 61xx
  if (le === (apdu.extended ? 65536 : SHORT_MAX) && (zeroLeIsMaximum || !t0)) return undefined;
  if (!t0 && le >= length) return undefined;
  return 0x6c00 | (length & 0xff);
}

export function swBytes(sw: number): Uint8Array {
  return Uint8Array.of(sw >> 8, sw & 0xff);
}

export function withSw(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}
