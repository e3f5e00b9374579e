/**
 * Who may do what in the workspace: THE one permission table. Roles follow the platforms Assay
 * replaces (issue 8): admin; compliance manager (everything but members and settings); security analyst
 * (review, findings, risks; no member changes, no bulk sends); executive (read-only dashboards and
 * register); auditor (read-only everything, audit log and evidence included, no exports of personal
 * data); viewer (read-only vendors, assessments and risks). Executives and viewers do not read contacts'
 * personal data nor answer text (`contact.read`, `answers.read`; docs/roles.md).
 *
 * Send: the analyst sends one assessment at a time ("cannot … send in bulk") to an existing vendor's
 * existing contact; adding a vendor or a contact, by any route, needs vendor.write.
 *
 * Routes name a permission in src/workspace/route-permissions.ts; the one `authorize` middleware checks
 * it (src/workspace/authorize.ts). Domain functions that need a finer rule (separation of duties) check
 * it themselves, in SQL where it is an invariant.
 */
import type { Role } from '../db/tables.js';

export const PERMISSIONS = [
  'dashboard.view',
  'vendor.read',
  /**
   * The personal data of vendor contacts (names, emails, phones, roles): GDPR data minimisation. Vendors,
   * tiers, ratings and findings are `vendor.read`/`risk.read`; whoever reads a contact needs this too.
   */
  'contact.read',
  'vendor.write',
  'vendor.import',
  'assessment.read',
  /** The text of the vendor's answers and comments (scores, bands and findings are `assessment.read`). */
  'answers.read',
  'assessment.send',
  'assessment.send_bulk',
  'assessment.manage',
  'assessment.review',
  'evidence.read',
  'questionnaire.read',
  'questionnaire.write',
  'risk.read',
  'risk.write',
  'risk.accept_propose',
  'risk.accept_approve',
  'export.register',
  'export.personal',
  'audit.read',
  'audit.export',
  'security_log.read',
  'members.read',
  'members.manage',
  'settings.manage',
  'keys.rotate',
  'privacy.manage',
  /** Export the whole tenant, ask for (or cancel) its deletion: admins only (docs/tenant-exit.md). */
  'tenant.exit',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ALL: Permission[] = [
  'dashboard.view',
  'vendor.read',
  'assessment.read',
  'questionnaire.read',
  'risk.read',
];

/**
 * What the roles that work with vendors and their answers read beyond READ_ALL: the contacts' personal
 * data and the answer text. Executives and viewers see vendors, tiers, ratings, findings and registers
 * without either (docs/roles.md).
 */
const PERSONAL_READ: Permission[] = ['contact.read', 'answers.read'];

const COMPLIANCE_MANAGER: Permission[] = [
  ...READ_ALL,
  ...PERSONAL_READ,
  'vendor.write',
  'vendor.import',
  'assessment.send',
  'assessment.send_bulk',
  'assessment.manage',
  'assessment.review',
  'evidence.read',
  'questionnaire.write',
  'risk.write',
  'risk.accept_propose',
  'risk.accept_approve',
  'export.register',
  'export.personal',
  'members.read',
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  compliance_manager: new Set(COMPLIANCE_MANAGER),
  analyst: new Set<Permission>([
    ...READ_ALL,
    ...PERSONAL_READ,
    'assessment.send',
    'assessment.review',
    'evidence.read',
    'risk.write',
    'risk.accept_propose',
    'risk.accept_approve',
    'export.register',
  ]),
  executive: new Set<Permission>([...READ_ALL, 'export.register']),
  auditor: new Set<Permission>([
    ...READ_ALL,
    ...PERSONAL_READ,
    'evidence.read',
    'audit.read',
    'audit.export',
    'members.read',
    'export.register',
  ]),
  viewer: new Set<Permission>(READ_ALL),
};

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Admin',
  compliance_manager: 'Compliance manager',
  analyst: 'Security analyst',
  executive: 'Executive',
  auditor: 'Auditor',
  viewer: 'Viewer',
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}
