import { sqliteKit } from './kit.sqlite.js';
import { defineTables } from './tables.js';

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
  findings,
  risks,
  auditLog,
  signingKeys,
  mailOutbox,
} = sqliteTables;
