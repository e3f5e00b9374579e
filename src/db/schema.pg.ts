import { pgKit } from './kit.pg.js';
import type { Kit } from './kit.sqlite.js';
import { defineTables } from './tables.js';

// The pg kit mirrors the SQLite kit's names; the app's canonical types are the SQLite ones, so the
// cast is deliberate and the PostgreSQL test suite is what proves the two agree.
export const pgTables = defineTables(pgKit as unknown as Kit);
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
} = pgTables;
