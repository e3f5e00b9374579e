/** The repository layer: the only way to tenant data. Tenant functions take a TenantCtx. */
export * from './answers.js';
export * from './assessments.js';
export * from './audit.js';
export * from './keys.js';
export * from './outbox.js';
export * from './questionnaires.js';
export * from './risks.js';
export * from './sessions.js';
export * from './tenants.js';
export * from './users.js';
export * from './vendors.js';
