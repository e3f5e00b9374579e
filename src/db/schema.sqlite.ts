import { sqliteKit } from './kit.sqlite.js';
import { defineTables, tenantTableNames } from './tables.js';

export const sqliteTables = defineTables(sqliteKit);
export const {
  tenants,
  users,
  memberships,
  sessions,
  setupTokens,
  vendors,
  vendorContacts,
  questionnaireVersions,
  assessments,
  answers,
  evidence,
  vendorLinks,
  accessCodes,
  tenantKeys,
  findings,
  risks,
  riskHistory,
  riskAcceptances,
  auditLog,
  signingKeys,
  mailOutbox,
  rateCounters,
  unitGuards,
} = sqliteTables;

/** Every tenant-owned table, derived from the definitions (the PostgreSQL self-check verifies each). */
export const TENANT_TABLES = tenantTableNames(sqliteTables);
