export * from './purse-constants.js';
export { canComputeTac, type PurseKeyUsage, type PurseTacProvider, purseKeyRef, SoftwarePurseSam } from './purse-keys.js';
export { decodeCardInfo, decodeTransaction, decodeTrip } from './purse-records.js';
export type * from './purse-types.js';
export { TransportPurseSession } from './transport-purse-session.js';
