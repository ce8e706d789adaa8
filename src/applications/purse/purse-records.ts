import { BadResponseError } from '../../apdu/apdu-error.js';
import { formatYuan } from '../../bytes/amount.js';
import { decodeBcdDigits } from '../../bytes/bcd.js';
import { decodeBcdDate, encodeBcdDateTime } from '../../bytes/bcd-date.js';
import { bytesToUint, concatBytes, uintToBytes } from '../../bytes/bytes.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import { InputError } from '../../errors.js';
import { DETAIL_RECORD_LENGTH, TRANSACTION_TYPE, TRIP_RECORD_LENGTH } from './purse-constants.js';
import type { PurseCardInfo, PurseTransaction, PurseTransactionKind, PurseTrip } from './purse-types.js';

/**
 * Card information (SFI 15): issuer id(8) type(1) version(1) serial number(10) valid-from(4)
 * valid-until(4) [RFU]. ASN8 = the last 8 bytes of the serial: the factor the purse keys are
 * diversified with (the serial is 10 bytes, the DES diversification input 8).
 */
export function decodeCardInfo(bytes: Uint8Array): PurseCardInfo {
  if (bytes.length < 28) throw new BadResponseError(`purse card information has ${bytes.length} bytes, expected at least 28`);
  const serial = bytes.subarray(10, 20);
  return {
    issuerId: toHex(bytes.subarray(0, 8)),
    applicationType: bytes[8]!,
    applicationVersion: bytes[9]!,
    cardNumber: toHex(serial),
    asn8: toHex(serial.subarray(2)),
    validFrom: decodeBcdDate(bytes.subarray(20, 24)),
    validUntil: decodeBcdDate(bytes.subarray(24, 28)),
  };
}

const KINDS: Record<number, PurseTransactionKind> = {
  [TRANSACTION_TYPE.edLoad]: 'ed-load',
  [TRANSACTION_TYPE.epLoad]: 'ep-load',
  [TRANSACTION_TYPE.edPurchase]: 'ed-purchase',
  [TRANSACTION_TYPE.epPurchase]: 'ep-purchase',
  [TRANSACTION_TYPE.compoundPurchase]: 'compound-purchase',
};

/** Transaction detail (SFI 18, 23 bytes): ATC(2) overdraft(3) amount(4) type(1) termId(6) date(4) time(3). */
export function decodeTransaction(bytes: Uint8Array): PurseTransaction {
  if (bytes.length !== DETAIL_RECORD_LENGTH) throw new BadResponseError(`purse transaction record has ${bytes.length} bytes, expected 23`);
  const amountFen = bytesToUint(bytes.subarray(5, 9));
  const type = bytes[9]!;
  return {
    atc: bytesToUint(bytes.subarray(0, 2)),
    overdraftLimitFen: bytesToUint(bytes.subarray(2, 5)),
    amountFen,
    amountYuan: formatYuan(amountFen),
    type,
    kind: KINDS[type] ?? 'unknown',
    terminalId: toHex(bytes.subarray(10, 16)),
    dateTime: isoDateTime(bytes.subarray(16, 20), bytes.subarray(20, 23)),
  };
}

/**
 * Metro trip record (SFI 1E, 48 bytes), this project's layout (the JT/T 978 one is not public):
 * type(1: 01 entry, 02 exit) ATC(2) amount(4) termId(6) date(4) time(3) balance-after(4)
 * station(4) RFU(20, 00).
 */
export function decodeTrip(bytes: Uint8Array): PurseTrip {
  if (bytes.length !== TRIP_RECORD_LENGTH) throw new BadResponseError(`trip record has ${bytes.length} bytes, expected 48`);
  const recordType = bytes[0]!;
  return {
    kind: recordType === 1 ? 'entry' : recordType === 2 ? 'exit' : 'other',
    recordType,
    atc: bytesToUint(bytes.subarray(1, 3)),
    amountFen: bytesToUint(bytes.subarray(3, 7)),
    terminalId: toHex(bytes.subarray(7, 13)),
    dateTime: isoDateTime(bytes.subarray(13, 17), bytes.subarray(17, 20)),
    balanceAfterFen: bytesToUint(bytes.subarray(20, 24)),
    station: toHex(bytes.subarray(24, 28)),
  };
}

export function encodeTrip(trip: {
  kind: 'entry' | 'exit';
  atc: number;
  amountFen: number;
  terminalId: Uint8Array;
  date: Uint8Array;
  time: Uint8Array;
  balanceAfterFen: number;
  station: string;
}): Uint8Array {
  const station = fromHex(trip.station, 'station');
  if (station.length !== 4) throw new InputError('station', 'a station code is 4 bytes (8 hex digits)');
  return concatBytes(
    Uint8Array.of(trip.kind === 'entry' ? 1 : 2),
    uintToBytes(trip.atc, 2),
    uintToBytes(trip.amountFen, 4),
    trip.terminalId,
    trip.date,
    trip.time,
    uintToBytes(trip.balanceAfterFen, 4),
    station,
    new Uint8Array(20),
  );
}

/** Date (YYYYMMDD) and time (hhmmss) of a transaction as the card wants them: local time of `at`. */
export function bcdDateTime(at: Date): { date: Uint8Array; time: Uint8Array } {
  const both = encodeBcdDateTime(at);
  return { date: both.slice(0, 4), time: both.slice(4, 7) };
}

function isoDateTime(date: Uint8Array, time: Uint8Array): string {
  const d = decodeBcdDate(date);
  const t = decodeBcdDigits(time, 'time');
  return t.length === 6 ? `${d}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}` : `${d}T${t}`;
}
