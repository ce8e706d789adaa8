import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { bytesToUint, concatBytes } from '../../../src/bytes/bytes.js';
import { fromHex } from '../../../src/bytes/hex.js';
import { MEDICAL_TYPE } from '../../../src/crypto/medical-purse-mac.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { HandlerResult } from '../../command-route.js';
import { MEDICAL_SW, medicalPurse } from './medical-purse.js';

/**
 * GET TRANSACTION PROOF `B0 2E 00 type 02 seq` → MAC ‖ TAC (card-spec §6.15, §7.4): the proof of the
 * last completed load (type 01: the MAC2 the card accepted) or purchase (02: the MAC2 it answered)
 * with that sequence number; none (never completed, rolled back by tearing, or superseded) → 9406.
 */
export function getTransactionProof(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x00 || (apdu.p2 !== MEDICAL_TYPE.load && apdu.p2 !== MEDICAL_TYPE.purchase)) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 2) throw new CardStatus(SW.WRONG_LENGTH, 'GET TRANSACTION PROOF takes the 2-byte sequence number');
  const seq = bytesToUint(apdu.data);
  const purse = medicalPurse(ctx);
  const proof = apdu.p2 === MEDICAL_TYPE.load ? purse.proofs.load : purse.proofs.purchase;
  if (proof === undefined || proof.seq !== seq) throw new CardStatus(MEDICAL_SW.PROOF_UNAVAILABLE, `no proof of transaction ${seq}`);
  return concatBytes(fromHex(proof.mac), fromHex(proof.tac));
}
