import { sqliteKit } from './kit.sqlite.js';
import { defineTables, tenantTableNames } from './tables.js';

export const sqliteTables = defineTables(sqliteKit);
export const {
  tenants,
  users,
  memberships,
  sessions,
  mfaRecoveryCodes,
  setupTokens,
  vendors,
  vendorContacts,
  reviewIntervals,
  questionnaireVersions,
  assessments,
  assessmentEvents,
  assessmentSettings,
  answers,
  evidence,
  vendorLinks,
  accessCodes,
  tenantKeys,
  findings,
  reviewNotes,
  evidenceValidity,
  risks,
  riskHistory,
  riskAcceptances,
  auditLog,
  auditCheckpoints,
  auditMerkleBlocks,
  auditSettings,
  securityEvents,
  signingKeys,
  keyRotations,
  mailOutbox,
  jobRuns,
  rateCounters,
  unitGuards,
  retentionPolicies,
  legalHolds,
  systemLog,
} = sqliteTables;

/** Every tenant-owned table, derived from the definitions (the PostgreSQL self-check verifies each). */
export const TENANT_TABLES = tenantTableNames(sqliteTables);
