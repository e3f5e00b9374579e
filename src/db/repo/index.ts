/** The repository layer: the only way to tenant data. Tenant functions take a tenant context. */

export * from './access-codes.js';
export * from './answers.js';
export * from './assessments.js';
export * from './audit.js';
export * from './dashboard.js';
export * from './evidence.js';
export * from './findings.js';
export * from './keys.js';
export * from './legal-holds.js';
export * from './members.js';
export * from './mfa.js';
export * from './outbox.js';
export * from './questionnaires.js';
export * from './retention.js';
export * from './review-notes.js';
export * from './risks.js';
export * from './security-events.js';
export * from './sessions.js';
export * from './setup-tokens.js';
export * from './tenant-exit.js';
export * from './tenant-keys.js';
export * from './tenants.js';
export * from './users.js';
export * from './vendor-contacts.js';
export * from './vendor-links.js';
export * from './vendors.js';
