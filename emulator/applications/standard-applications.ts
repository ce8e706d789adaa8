import type { CardApplication } from '../command-route.js';

/**
 * Every card application the emulator knows. Profiles name one per DF (`"application": "…"`);
 * `openCard` registers all of these unless told otherwise.
 */
export const STANDARD_APPLICATIONS: readonly CardApplication[] = [];
