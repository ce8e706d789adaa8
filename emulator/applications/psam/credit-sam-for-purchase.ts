import type { CommandApdu } from '../../../src/apdu/command-apdu.js';
import { constantTimeEqual, wipe } from '../../../src/bytes/bytes.js';
import { cardMac } from '../../../src/crypto/card-security.js';
import type { CardContext } from '../../card-context.js';
import { CardStatus, SW } from '../../card-status.js';
import type { CommandRoute, HandlerResult } from '../../command-route.js';
import { takePendingPurchase } from './psam-session-keys.js';

const NO_PURCHASE = 0x6901;
/** A wrong MAC2: the table's 9302 (the text says 63CF; README "choices"). */
const MAC2_WRONG = 0x9302;

/**
 * CREDIT SAM FOR PURCHASE `80 72 00 00 04 MAC2` (P9 §9.10, card-spec §7.3 step 4): checks the
 * card's MAC2 = MAC_SESPK(account ‖ self-pay ‖ pooling) of the purchase INIT SAM FOR PURCHASE
 * started; one check per purchase. Without one: 6901.
 */
export const creditSamForPurchaseCommand: CommandRoute = {
  name: 'CREDIT SAM FOR PURCHASE',
  cla: [0x80],
  ins: 0x72,
  handler: creditSamForPurchase,
};

function creditSamForPurchase(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardStatus(SW.WRONG_P1P2);
  if (apdu.data.length !== 4) throw new CardStatus(SW.WRONG_LENGTH, 'MAC2 is 4 bytes');
  const purchase = takePendingPurchase(ctx);
  if (purchase === undefined) throw new CardStatus(NO_PURCHASE, 'INIT SAM FOR PURCHASE first');
  try {
    const expected = cardMac(purchase.cipher, purchase.sessionKey, purchase.amounts);
    if (!constantTimeEqual(expected, apdu.data)) throw new CardStatus(MAC2_WRONG, 'MAC2 wrong');
  } finally {
    wipe(purchase.sessionKey);
  }
  return undefined;
}
