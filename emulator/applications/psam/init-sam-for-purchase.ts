import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { concatBytes, uintToBytes, wipe } from '../../../src/bytes/bytes.js';
import { cardMac, deriveSessionKey, diversifyCardKeyLevels, sessionCipher } from '../../../src/crypto/card-security.js';
import { PSAM_KEY_TYPE, psamKeyLevels, psamKeyType } from '../../../src/crypto/psam-key-record.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { factorsOutermostFirst, findKeyRecord, readTerminalSeq, terminalNumber, terminalSeqFile } from './psam-files.js';
import { setPendingPurchase } from './psam-session-keys.js';

/** Card random 4 ‖ offline seq 2 ‖ account 4 ‖ self-pay 4 ‖ pooling 4 ‖ type 1 ‖ date 4 ‖ time 3 ‖ version 1 ‖ algorithm 1. */
const FIXED_LENGTH = 0x1c;
/** The user card's algorithm id (its FCI numbering, as INITIALIZE FOR PURCHASE answers it): 01 DES/3DES, 03 SM4. */
const FCI_ALGORITHM_ID = { des: 0x01, '3des': 0x01, sm4: 0x03 } as const;

/**
 * INIT SAM FOR PURCHASE `80 70 01 00 Lc data 08` (P9 §9.9, card-spec §7.3 step 2, §9.3): DPK (the
 * purchase key of that version, usage type 2) diversified with the factors (innermost first, as
 * many as its usage byte's levels), SESPK = session key over card random ‖ offline seq ‖ the last
 * 2 bytes of the terminal transaction sequence, MAC1 = MAC_SESPK(account ‖ self-pay ‖ pooling ‖
 * type ‖ terminal number ‖ date ‖ time). The sequence (EF 0019) is incremented and saved before
 * the answer leaves, so a lost answer never reuses it. Answers terminal seq 4 ‖ MAC1 4.
 */
export const initSamForPurchaseCommand: CommandRoute = {
  name: 'INIT SAM FOR PURCHASE',
  cla: [0x80],
  ins: 0x70,
  handler: initSamForPurchase,
};

function initSamForPurchase(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0x01 || apdu.p2 !== 0x00) throw new CardStatus(SW.WRONG_P1P2);
  const d = apdu.data;
  if (d.length < FIXED_LENGTH || (d.length - FIXED_LENGTH) % 8 !== 0) throw new CardStatus(SW.WRONG_LENGTH, 'Lc = 1C + 8 × levels');
  const version = d[26]!;
  const algorithmId = d[27]!;
  const record = findKeyRecord(
    ctx,
    (r) => psamKeyType(r.usage) === PSAM_KEY_TYPE.purchase && r.id === version && FCI_ALGORITHM_ID[r.cipher] === algorithmId,
  );
  const levels = psamKeyLevels(record.usage);
  if ((d.length - FIXED_LENGTH) / 8 !== levels) throw new CardStatus(SW.WRONG_LENGTH, `the purchase key needs ${levels} factors`);

  const seqFile = terminalSeqFile(ctx);
  const seq = readTerminalSeq(seqFile);
  if (seq === 0xffffffff) throw new CardStatus(SW.CONDITIONS_NOT_SATISFIED, 'the terminal transaction sequence is exhausted');
  const seqBytes = uintToBytes(seq, 4);
  const dpk = diversifyCardKeyLevels(record.cipher, record.value, factorsOutermostFirst(d.subarray(FIXED_LENGTH), levels));
  let sessionKey: Uint8Array;
  try {
    sessionKey = deriveSessionKey(record.cipher, dpk, concatBytes(d.subarray(0, 6), seqBytes.subarray(2)));
  } finally {
    wipe(dpk);
  }
  const cipher = sessionCipher(record.cipher);
  const amounts = d.slice(6, 18);
  const mac1 = cardMac(cipher, sessionKey, concatBytes(amounts, d.subarray(18, 19), terminalNumber(ctx), d.subarray(19, 26)));

  seqFile.content.set(uintToBytes(seq + 1, 4));
  seqFile.written = true;
  ctx.markDirty();
  ctx.commit('psam:terminal-seq');
  setPendingPurchase(ctx, { cipher, sessionKey, amounts });
  return concatBytes(seqBytes, mac1);
}
