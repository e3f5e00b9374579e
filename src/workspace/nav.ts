/** The workspace navigation: each link shown only to roles that may open it. */
import { can, type Permission } from '../auth/permissions.js';
import type { Role } from '../db/tables.js';

const NAV: readonly { href: string; label: string; permission: Permission | 'member' }[] = [
  { href: '/app', label: 'Overview', permission: 'dashboard.view' },
  { href: '/app/vendors', label: 'Vendors', permission: 'vendor.read' },
  { href: '/app/assessments', label: 'Assessments', permission: 'assessment.read' },
  { href: '/app/risks', label: 'Risks', permission: 'risk.read' },
  { href: '/app/audit', label: 'Audit trail', permission: 'audit.read' },
  { href: '/app/team', label: 'Team', permission: 'members.read' },
  { href: '/app/security-log', label: 'Security log', permission: 'security_log.read' },
  { href: '/app/settings', label: 'Settings', permission: 'settings.manage' },
  { href: '/app/privacy/subjects', label: 'Data subjects', permission: 'privacy.manage' },
  { href: '/app/account', label: 'Account', permission: 'member' },
];

const cache = new Map<Role, readonly { href: string; label: string }[]>();

export function navFor(role: Role): readonly { href: string; label: string }[] {
  let links = cache.get(role);
  if (!links) {
    links = NAV.filter((l) => l.permission === 'member' || can(role, l.permission)).map(
      ({ href, label }) => ({
        href,
        label,
      }),
    );
    cache.set(role, links);
  }
  return links;
}
