import type { CardApplication } from '../../command-route.js';
import { creditForLoadCommand } from './credit-for-load.js';
import { debitForPurchaseCommand } from './debit-for-purchase.js';
import { getBalanceCommand } from './get-balance.js';
import { initializeCommand } from './initialize.js';
import { PURSE_APPLICATION } from './purse-constants.js';
import { clearPending } from './purse-state.js';
import { updateCappDataCacheCommand } from './update-capp-data-cache.js';

/**
 * The transport e-purse (card-facts §8) on the ADF whose profile says
 * `"application": "transport-purse"`: GET BALANCE, INITIALIZE FOR LOAD / PURCHASE / COMPOUND
 * PURCHASE, CREDIT FOR LOAD, DEBIT FOR PURCHASE, UPDATE CAPP DATA CACHE. Records (SFI 15, 17,
 * 18, 1E) are read with the ISO READ BINARY / READ RECORD. Selecting the ADF (again) ends any
 * pending transaction; so does a reset.
 */
export const transportPurseApplication: CardApplication = {
  name: PURSE_APPLICATION,
  commands: [getBalanceCommand, initializeCommand, creditForLoadCommand, debitForPurchaseCommand, updateCappDataCacheCommand],
  onSelect: (ctx) => clearPending(ctx),
};
