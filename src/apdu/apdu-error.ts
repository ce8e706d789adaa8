import { CardError } from '../errors.js';
import { swHex } from './response-apdu.js';
import { decodeStatusWord } from './status-words.js';

/** The card answered a status word the caller did not expect. Carries the SW, its meaning and any data. */
export class ApduError extends CardError {
  readonly sw: number;
  readonly data: Uint8Array;
  readonly meaning: string;
  constructor(sw: number, data: Uint8Array = new Uint8Array(0), context?: string, code = 'EAPDU') {
    const info = decodeStatusWord(sw);
    super(code, `${context ? `${context}: ` : ''}card answered ${swHex(sw)} (${info.meaning})`);
    this.sw = sw;
    this.data = data;
    this.meaning = info.meaning;
  }
}

/** A PIN was refused: `triesLeft` from 63Cx, or `blocked` on 6983. */
export class PinError extends ApduError {
  readonly triesLeft: number;
  readonly blocked: boolean;
  constructor(sw: number, context?: string) {
    super(sw, new Uint8Array(0), context, 'EPIN');
    const info = decodeStatusWord(sw);
    this.triesLeft = info.triesLeft ?? 0;
    this.blocked = sw === 0x6983 || info.triesLeft === 0;
  }
}

/** The card answered 9000 but with data that is not what the command promises. */
export class BadResponseError extends CardError {
  constructor(message: string) {
    super('EBADRESPONSE', message);
  }
}

const PIN_INS = new Set([0x20, 0x24, 0x2c, 0x5e]);

/** Picks the typed error for an unexpected status word. */
export function errorForStatus(sw: number, ins: number, data?: Uint8Array, context?: string): ApduError {
  if ((sw & 0xfff0) === 0x63c0 || (sw === 0x6983 && PIN_INS.has(ins))) return new PinError(sw, context);
  return new ApduError(sw, data, context);
}
