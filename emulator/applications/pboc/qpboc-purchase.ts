import { decodeBcdNumber, encodeBcdNumber } from '../../../src/bytes/bcd.js';
import { bytesEqual, concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import { encodeTlv } from '../../../src/bytes/tlv.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { DedicatedFile } from '../../file-system.js';
import { applicationCryptogram, CID, type CryptogramType, DECLINE, EC_DEBITED, issuerApplicationData } from './application-cryptogram.js';
import { dataObject, requireRecordElement } from './card-data.js';
import { OFFLINE_PIN_REFERENCE } from './offline-pin.js';
import type { PbocState } from './pboc-state.js';
import { appendLogRecord } from './transaction-log.js';

/** Crash points of the purchase (tearing tests): before anything changed, after the one write. */
export const PURCHASE_CRASH_POINTS = { before: 'pboc-purchase:before', committed: 'pboc-purchase:committed' } as const;

/**
 * The qPBOC electronic-cash purchase inside GPO. Approved when 0 < amount (9F02) ≤ the
 * single-transaction limit (9F78) and ≤ the balance, in the application currency (9F51): the
 * balance is debited, the ATC incremented and a log record written — in memory first, then saved
 * in **one** state write, so a card pulled at any moment has done all of it or none of it.
 * Otherwise the card declines with an AAC (9F27 = 00, reasons in the CVR) and only the ATC moves,
 * as every GPO does. Answer: 77 { 9F27, 82, 94, 9F36, 9F26, 9F10, 57, 5F34, 9F5D }.
 */
export function qpbocPurchase(
  ctx: CardContext,
  adf: DedicatedFile,
  state: PbocState,
  pdolData: Uint8Array,
  values: ReadonlyMap<number, Uint8Array>,
): Uint8Array {
  const amount = terminalAmount(values.get(0x9f02));
  const currency = values.get(0x5f2a);
  const limit = decodeBcdNumber(dataObject(adf, 0x9f78), 'single-transaction limit');
  const appCurrency = adf.dataObjects.get(0x9f51);
  let reasons = 0;
  if (amount === 0) reasons |= DECLINE.ZERO_AMOUNT;
  if (amount > limit) reasons |= DECLINE.OVER_SINGLE_LIMIT;
  if (amount > state.ecBalance) reasons |= DECLINE.INSUFFICIENT_BALANCE;
  if (appCurrency !== undefined && (currency === undefined || !bytesEqual(currency, appCurrency))) reasons |= DECLINE.WRONG_CURRENCY;
  const approved = reasons === 0;

  ctx.commit(PURCHASE_CRASH_POINTS.before);
  const atc = state.atc + 1;
  state.atc = atc;
  if (approved) {
    state.ecBalance -= amount;
    const logValues = new Map(values);
    logValues.set(0x9f36, uintToBytes(atc, 2));
    appendLogRecord(ctx, adf, logValues);
  }
  ctx.markDirty();
  ctx.commit(PURCHASE_CRASH_POINTS.committed);

  const type: CryptogramType = approved ? 'TC' : 'AAC';
  const key = ctx.requireKey(['ac']);
  const pin = ctx.findPin(OFFLINE_PIN_REFERENCE);
  const iad = issuerApplicationData(key, type, {
    pinVerified: pin !== undefined && ctx.security.pinVerified(pin),
    reasons: reasons | (approved ? EC_DEBITED : 0),
    pinTriesLeft: pin?.triesLeft ?? 0,
  });
  const aip = dataObject(adf, 0x82);
  const ac = applicationCryptogram(key, atc, pdolData, aip, iad);
  return encodeTlv(
    0x77,
    concatBytes(
      encodeTlv(0x9f27, Uint8Array.of(CID[type])),
      encodeTlv(0x82, aip),
      encodeTlv(0x94, dataObject(adf, 0x94)),
      encodeTlv(0x9f36, uintToBytes(atc, 2)),
      encodeTlv(0x9f26, ac),
      encodeTlv(0x9f10, iad),
      encodeTlv(0x57, requireRecordElement(adf, 0x57)),
      encodeTlv(0x5f34, requireRecordElement(adf, 0x5f34)),
      encodeTlv(0x9f5d, encodeBcdNumber(state.ecBalance, 6)),
    ),
  );
}

/** 9F02 from the terminal is n12: anything but BCD digits is wrong data (6A80), not a card fault. */
function terminalAmount(value: Uint8Array | undefined): number {
  try {
    return decodeBcdNumber(value ?? new Uint8Array(6), 'amount');
  } catch {
    throw new CardStatus(SW.WRONG_DATA, 'amount 9F02 is not BCD');
  }
}
