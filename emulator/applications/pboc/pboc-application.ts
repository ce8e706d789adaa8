import type { CardApplication } from '../../command-route.js';
import { generateAcCommand } from './generate-ac.js';
import { pbocGetDataCommand } from './get-data.js';
import { getProcessingOptionsCommand } from './get-processing-options.js';
import { offlinePinVerifyCommand } from './offline-pin.js';
import { endTransaction, PBOC_APPLICATION } from './pboc-state.js';

/**
 * The PBOC 3.0 debit application with electronic cash and qPBOC (README.md in this folder).
 * SELECT, READ RECORD (AFL records, the log) are the card-wide ISO commands.
 */
export const pbocDebitApplication: CardApplication = {
  name: PBOC_APPLICATION,
  commands: [getProcessingOptionsCommand, generateAcCommand, pbocGetDataCommand, offlinePinVerifyCommand],
  onSelect: (ctx) => endTransaction(ctx),
};
