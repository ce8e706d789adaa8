import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { concatBytes, uintToBytes } from '../../../src/bytes/bytes.js';
import { encodeTlv } from '../../../src/bytes/tlv.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { applicationCryptogram, CID, type CryptogramType, issuerApplicationData } from './application-cryptogram.js';
import { dataObject, requireRecordElement } from './card-data.js';
import { commandDolData } from './command-dol-data.js';
import { OFFLINE_PIN_REFERENCE } from './offline-pin.js';
import { currentTransaction, pbocState } from './pboc-state.js';

const REQUESTED: Record<number, CryptogramType> = { 0: 'AAC', 64: 'TC', 128: 'ARQC' };

/**
 * GENERATE AC `80 AE P1 00 Lc <CDOL1 data> 00`, once per transaction after GPO (else 6985).
 * P1 b8b7: 00 AAC, 40 TC, 80 ARQC (C0 → 6A86; b5 CDA is ignored: no offline authentication).
 * The card gives the cryptogram type asked for. CDOL1 data must have the length of the 8C list
 * (6700). Answer (format 2): 77 { 9F27 CID, 9F36 ATC, 9F26 AC, 9F10 IAD }. The cryptogram's formula
 * is in README.md; it uses the ATC of the transaction's GPO (GENERATE AC writes nothing).
 */
export const generateAcCommand: CommandRoute = { name: 'GENERATE AC', cla: [0x80], ins: 0xae, handler: generateAc };

function generateAc(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const type = REQUESTED[apdu.p1 & 0xc0];
  if (type === undefined) throw new CardStatus(SW.WRONG_P1P2, 'RFU cryptogram type');
  const transaction = currentTransaction(ctx);
  if (transaction === undefined) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'GENERATE AC needs GET PROCESSING OPTIONS first');
  if (transaction.acGenerated) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'only one GENERATE AC per transaction');
  const adf = transaction.adf;
  commandDolData(requireRecordElement(adf, 0x8c), apdu.data, 'CDOL1');
  const atc = pbocState(ctx, adf).atc;
  const key = ctx.requireKey(['ac']);
  const pin = ctx.findPin(OFFLINE_PIN_REFERENCE);
  const iad = issuerApplicationData(key, type, {
    pinVerified: pin !== undefined && ctx.security.pinVerified(pin),
    reasons: 0,
    pinTriesLeft: pin?.triesLeft ?? 0,
  });
  const ac = applicationCryptogram(key, atc, apdu.data, dataObject(adf, 0x82), iad);
  transaction.acGenerated = true;
  return encodeTlv(
    0x77,
    concatBytes(
      encodeTlv(0x9f27, Uint8Array.of(CID[type])),
      encodeTlv(0x9f36, uintToBytes(atc, 2)),
      encodeTlv(0x9f26, ac),
      encodeTlv(0x9f10, iad),
    ),
  );
}
