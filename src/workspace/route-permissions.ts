/**
 * Every workspace route behind a member session, with the permission it needs: deny by default. The
 * one `authorize` middleware (authorize.ts) looks the request up here; a route missing from this table
 * answers 404 to everyone, and test/workspace/route-matrix.test.ts fails for any route registered under
 * /app that is not listed. `member` means any signed-in member (their own account, MFA, sign-out).
 *
 * Order matters where patterns overlap: the first match wins, so list `/x/new` before `/x/:id`.
 * One section per domain, so branches that add routes do not collide.
 */
import type { Permission } from '../auth/permissions.js';

export type RoutePermission = Permission | 'member';
/**
 * `reauth`: the route also needs a re-authentication (password or TOTP) within the last 5 minutes —
 * role and MFA changes, key rotation, exports, risk acceptance, API tokens (issue 8). The authorize
 * middleware enforces it (a GET is sent to the re-authentication page and back; a POST gets 401).
 */
export type RouteRule = readonly [
  method: 'GET' | 'POST',
  path: string,
  permission: RoutePermission,
  flags?: { reauth?: true },
];

export const ROUTE_PERMISSIONS: readonly RouteRule[] = [
  // Overview
  ['GET', '/app', 'dashboard.view'],
  ['GET', '/app/', 'dashboard.view'],

  // Account, MFA, team (src/workspace/team-routes.ts, src/auth)
  // The member's own account, second factor and re-authentication (src/workspace/account-routes.ts)
  ['GET', '/app/account', 'member'],
  ['POST', '/app/account/password', 'member'],
  ['POST', '/app/account/sign-out-everywhere', 'member'],
  // Enrolment too: with a stolen session alone, no one may enrol their own authenticator (and keep its
  // recovery codes), nor read a pending secret off the page (its QR code).
  ['GET', '/app/account/mfa', 'member', { reauth: true }],
  ['POST', '/app/account/mfa/setup', 'member', { reauth: true }],
  ['POST', '/app/account/mfa/confirm', 'member', { reauth: true }],
  ['GET', '/app/account/mfa/recovery-codes', 'member', { reauth: true }],
  ['POST', '/app/account/mfa/recovery-codes', 'member', { reauth: true }],
  ['GET', '/app/account/mfa/disable', 'member', { reauth: true }],
  ['POST', '/app/account/mfa/disable', 'member', { reauth: true }],
  ['GET', '/app/reauth', 'member'],
  ['POST', '/app/reauth', 'member'],
  ['GET', '/app/settings/security', 'settings.manage', { reauth: true }],
  ['POST', '/app/settings/security', 'settings.manage', { reauth: true }],
  ['GET', '/app/team', 'members.read'],
  ['POST', '/app/team/invitations', 'members.manage'],
  ['POST', '/app/team/invitations/:id/revoke', 'members.manage'],
  ['POST', '/app/team/members/:id/role', 'members.manage', { reauth: true }],
  ['POST', '/app/team/members/:id/disable', 'members.manage'],
  ['POST', '/app/team/members/:id/enable', 'members.manage'],
  ['POST', '/app/team/members/:id/remove', 'members.manage'],
  // Settings index and the tenant's own settings (src/workspace/settings-routes.ts)
  ['GET', '/app/settings', 'settings.manage'],
  ['POST', '/app/settings', 'settings.manage'],

  // Vendors (src/workspace/vendor-routes.ts)
  ['GET', '/app/vendors', 'vendor.read'],
  ['GET', '/app/vendors/', 'vendor.read'],
  ['GET', '/app/vendors/new', 'vendor.write'],
  ['POST', '/app/vendors', 'vendor.write'],
  ['POST', '/app/vendors/', 'vendor.write'],
  ['GET', '/app/vendors/import', 'vendor.import'],
  ['GET', '/app/vendors/import/template.csv', 'vendor.import'],
  ['GET', '/app/vendors/import/template.xlsx', 'vendor.import'],
  ['POST', '/app/vendors/import', 'vendor.import'],
  ['POST', '/app/vendors/import/confirm', 'vendor.import'],
  ['POST', '/app/vendors/register', 'export.register', { reauth: true }],
  ['GET', '/app/vendors/:id', 'vendor.read'],
  ['GET', '/app/vendors/:id/edit', 'vendor.write'],
  ['POST', '/app/vendors/:id', 'vendor.write'],
  ['POST', '/app/vendors/:id/archive', 'vendor.write'],
  ['POST', '/app/vendors/:id/review-date', 'vendor.write'],
  ['GET', '/app/vendors/:id/contacts/new', 'vendor.write'],
  ['POST', '/app/vendors/:id/contacts', 'vendor.write'],
  ['GET', '/app/vendors/:id/contacts/:contact/edit', 'vendor.write'],
  ['POST', '/app/vendors/:id/contacts/:contact', 'vendor.write'],
  ['POST', '/app/vendors/:id/contacts/:contact/remove', 'vendor.write'],
  ['GET', '/app/settings/reviews', 'settings.manage'],
  ['POST', '/app/settings/reviews', 'settings.manage'],

  // Assessments: sending, chasing (src/workspace/assessment-routes.ts)
  ['GET', '/app/assessments', 'assessment.read'],
  ['GET', '/app/assessments/new', 'assessment.send'],
  ['POST', '/app/assessments/new', 'assessment.send'],
  ['GET', '/app/assessments/bulk', 'assessment.send_bulk'],
  ['POST', '/app/assessments/bulk', 'assessment.send_bulk'],
  ['POST', '/app/assessments/:id/revoke', 'assessment.manage'],
  ['POST', '/app/assessments/:id/resend', 'assessment.manage'],
  ['GET', '/app/assessments/:id', 'assessment.read'],
  ['GET', '/app/settings/reminders', 'settings.manage'],
  ['POST', '/app/settings/reminders', 'settings.manage'],

  // Review of submissions (src/workspace/review-routes.ts)
  ['GET', '/app/assessments/:id/review', 'assessment.read'],
  ['POST', '/app/assessments/:id/review/notes', 'assessment.review'],
  ['POST', '/app/assessments/:id/review/changes', 'assessment.review'],
  ['POST', '/app/assessments/:id/review/reviewed', 'assessment.review'],
  ['POST', '/app/assessments/:id/review/context', 'assessment.review'],
  ['POST', '/app/assessments/:id/review/send-again', 'assessment.send'],

  // Risk register and dashboard (src/risk/, src/workspace/risk-routes.ts)
  ['GET', '/app/risks', 'risk.read'],
  ['GET', '/app/risks/charts', 'risk.read'],
  ['GET', '/app/risks/vendor/:vendorId/summary', 'risk.read'],
  ['GET', '/app/risks/new', 'risk.write'],
  ['POST', '/app/risks/new', 'risk.write'],
  ['GET', '/app/risks/export.csv', 'export.register', { reauth: true }],
  ['GET', '/app/risks/export.xlsx', 'export.register', { reauth: true }],
  ['GET', '/app/risks/export/assessments.csv', 'export.register', { reauth: true }],
  ['GET', '/app/risks/export/assessments.xlsx', 'export.register', { reauth: true }],
  ['GET', '/app/risks/:id', 'risk.read'],
  ['POST', '/app/risks/:id', 'risk.write'],
  ['POST', '/app/risks/:id/acceptance', 'risk.accept_propose', { reauth: true }],
  ['POST', '/app/risks/:id/acceptance/:aid/approve', 'risk.accept_approve', { reauth: true }],
  ['POST', '/app/risks/:id/acceptance/:aid/reject', 'risk.accept_approve', { reauth: true }],

  // Audit trail, security log (src/audit/; the security log: src/workspace/security-log-routes.ts)
  ['GET', '/app/security-log', 'security_log.read'],
  ['GET', '/app/security-log/export', 'security_log.read', { reauth: true }],
  ['GET', '/app/audit', 'audit.read'],
  ['POST', '/app/audit/verify', 'audit.read'],
  ['POST', '/app/audit/checkpoint', 'audit.read'],
  ['GET', '/app/audit/checkpoints.txt', 'audit.read'],
  ['GET', '/app/audit/export', 'audit.export', { reauth: true }],
  ['GET', '/app/settings/audit', 'settings.manage'],
  ['POST', '/app/settings/audit', 'settings.manage'],

  // Retention, legal hold, privacy (src/privacy/)
  ['GET', '/app/settings/retention', 'settings.manage'],
  ['POST', '/app/settings/retention', 'settings.manage'],
  ['GET', '/app/privacy/holds', 'privacy.manage'],
  ['POST', '/app/privacy/holds', 'privacy.manage'],
  ['POST', '/app/privacy/holds/:id/release', 'privacy.manage'],
  // Data subjects: GDPR Art. 15/20 export, Art. 17 erasure (src/privacy/subject-routes.ts)
  ['GET', '/app/privacy/subjects', 'privacy.manage'],
  ['POST', '/app/privacy/subjects', 'privacy.manage'],
  ['POST', '/app/privacy/subjects/contacts/:id/export', 'privacy.manage', { reauth: true }],
  ['POST', '/app/privacy/subjects/members/:id/export', 'privacy.manage', { reauth: true }],
  ['POST', '/app/privacy/subjects/contacts/:id/erase', 'privacy.manage', { reauth: true }],
  ['POST', '/app/privacy/subjects/members/:id/erase', 'privacy.manage', { reauth: true }],
  // Tenant exit: the whole export, deletion and its cancel (src/privacy/tenant-exit-routes.ts)
  ['GET', '/app/settings/exit', 'tenant.exit'],
  ['POST', '/app/settings/exit/export', 'tenant.exit', { reauth: true }],
  ['POST', '/app/settings/exit/delete', 'tenant.exit', { reauth: true }],
  ['POST', '/app/settings/exit/cancel', 'tenant.exit', { reauth: true }],
];
