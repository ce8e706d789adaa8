import type { CardApplication } from '../../command-route.js';
import { cipherDataCommand } from './cipher-data.js';
import { creditSamForPurchaseCommand } from './credit-sam-for-purchase.js';
import { deliverySessionKeyCommand } from './delivery-session-key.js';
import { initSamForPurchaseCommand } from './init-sam-for-purchase.js';
import { initializeEnvironmentCommand } from './initialize-environment.js';
import { PSAM_APPLICATION } from './psam-files.js';

/**
 * The PSAM of card-spec §9 (README.md here): on the environment (MF) and on the application DF01;
 * SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE and READ BINARY are the card-wide ISO commands.
 */
export const psamApplication: CardApplication = {
  name: PSAM_APPLICATION,
  commands: [
    initializeEnvironmentCommand,
    deliverySessionKeyCommand,
    cipherDataCommand,
    initSamForPurchaseCommand,
    creditSamForPurchaseCommand,
  ],
};
