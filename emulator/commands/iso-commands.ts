import type { CommandRoute } from '../command-route.js';
import { applicationBlockCommand, cardBlockCommand } from './application-block.js';
import { changePinCommand } from './change-pin.js';
import { externalAuthenticateCommand } from './external-authenticate.js';
import { getChallengeCommand } from './get-challenge.js';
import { getDataCommand } from './get-data.js';
import { internalAuthenticateCommand } from './internal-authenticate.js';
import { pinChangeUnblockCommand } from './pin-change-unblock.js';
import { readBinaryCommand } from './read-binary.js';
import { readRecordCommand } from './read-record.js';
import { selectCommand } from './select.js';
import { updateBinaryCommand } from './update-binary.js';
import { updateRecordCommand } from './update-record.js';
import { verifyCommand } from './verify.js';

/** The card-wide commands every emulated card answers (GET RESPONSE is built into the dispatcher). */
export const ISO_COMMANDS: readonly CommandRoute[] = [
  selectCommand,
  readBinaryCommand,
  updateBinaryCommand,
  readRecordCommand,
  updateRecordCommand,
  verifyCommand,
  changePinCommand,
  pinChangeUnblockCommand,
  getChallengeCommand,
  externalAuthenticateCommand,
  internalAuthenticateCommand,
  getDataCommand,
  applicationBlockCommand,
  cardBlockCommand,
];
