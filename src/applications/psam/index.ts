export * from './psam-key-provider.js';
export * from './psam-key-references.js';
export * from './psam-purchase-security.js';
export * from './psam-session.js';
