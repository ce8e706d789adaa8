import type { CardApplication } from '../command-route.js';
import { medicalApplication } from './medical/medical-application.js';
import { pbocDebitApplication } from './pboc/pboc-application.js';
import { pkiApplication } from './pki/pki-application.js';
import { psamApplication } from './psam/psam-application.js';
import { transportPurseApplication } from './purse/transport-purse-application.js';

/**
 * Every card application the emulator knows. Profiles name one per DF (`"application": "…"`);
 * `openCard` registers all of these unless told otherwise.
 */
export const STANDARD_APPLICATIONS: readonly CardApplication[] = [
  medicalApplication,
  pbocDebitApplication,
  pkiApplication,
  psamApplication,
  transportPurseApplication,
];
