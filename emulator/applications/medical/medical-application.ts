import type { CardApplication, CommandHandler, CommandRoute } from '../../command-route.js';
import { creditForLoad } from './credit-for-load.js';
import { debitForPurchase } from './debit-for-purchase.js';
import { getBalance } from './get-balance.js';
import { getTransactionProof } from './get-transaction-proof.js';
import { initialize } from './initialize.js';
import { MEDICAL_APPLICATION } from './medical-purse.js';
import { toIdle } from './medical-transaction-state.js';
import { startingDay } from './starting-day.js';

/** A failed command returns the card to idle (card-spec §6.15). */
function idleOnError(handler: CommandHandler): CommandHandler {
  return (ctx, apdu) => {
    try {
      return handler(ctx, apdu);
    } catch (error) {
      toIdle(ctx);
      throw error;
    }
  };
}

const route = (name: string, ins: number, handler: CommandHandler): CommandRoute => ({
  name,
  cla: [0xb0],
  ins,
  handler: idleOnError(handler),
});

/** DF04 medical insurance: the `B0` purse commands of card-spec §6.15 beside the ISO commands. */
export const medicalApplication: CardApplication = {
  name: MEDICAL_APPLICATION,
  commands: [
    route('INITIALIZE FOR LOAD/PURCHASE', 0x28, initialize),
    route('CREDIT FOR LOAD', 0x2a, creditForLoad),
    route('DEBIT FOR PURCHASE', 0x2c, debitForPurchase),
    route('GET BALANCE', 0x26, getBalance),
    route('GET TRANSACTION PROOF', 0x2e, getTransactionProof),
    route('UPDATE/GET STARTING DAY', 0x56, startingDay),
  ],
  onSelect: (ctx) => toIdle(ctx),
};
