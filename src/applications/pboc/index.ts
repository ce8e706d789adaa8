export { buildDolData, type DolEntry, dolLength, parseDol, splitDolData } from '../../bytes/dol.js';
export { AC_KEY, computeApplicationCryptogram, panDiversificationFactor, verifyApplicationCryptogram } from './application-cryptogram.js';
export { listApplications } from './application-selection.js';
export { maskPan, panFromBcd } from './pan.js';
export { CHINA, PBOC_AIDS, PPSE_NAME, PSE_NAME } from './pboc-constants.js';
export type * from './pboc-records.js';
export { decodeLogRecord, type PbocOpenOptions, PbocSession } from './pboc-session.js';
