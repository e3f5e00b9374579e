/**
 * Tenant settings an admin changes on /app/settings: the workspace's name, the default lifetime of
 * vendor links (tenants.settings.linkTtlHours, capped by MAX_LINK_HOURS whatever is stored) and where
 * vendors may comment (tenants.settings.vendorComments: only where the questionnaire asks, or on every
 * question; fixed on each assessment when it is sent, so a change never moves an answering vendor).
 */
import { z } from 'zod';
import { getTenantWithSettings, updateTenantSettings } from '../db/repo/tenants.js';
import type { Store, TenantReadCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { DEFAULT_LINK_HOURS, MAX_LINK_HOURS } from '../vendor/links.js';
import type { Actor } from './team.js';
import { tenantName } from './tenants.js';

/** The sections other parts of the workspace add under /app/settings. */
export const SETTINGS_SECTIONS = [
  { href: '/app/settings/security', label: 'Security', hint: 'Multi-factor authentication for everyone.' },
  {
    href: '/app/settings/reminders',
    label: 'Reminders',
    hint: 'When vendors are reminded of due assessments.',
  },
  {
    href: '/app/settings/reviews',
    label: 'Review cycles',
    hint: 'How often vendors are re-assessed, by tier.',
  },
  { href: '/app/settings/retention', label: 'Retention', hint: 'How long data is kept, and legal holds.' },
  {
    href: '/app/privacy/subjects',
    label: 'Data subjects',
    hint: 'Find a person by email, export or erase their data (GDPR).',
  },
  { href: '/app/settings/audit', label: 'Audit trail', hint: 'Checkpoints and where they are mailed.' },
  {
    href: '/app/settings/exit',
    label: 'Export or delete',
    hint: 'All the workspace’s data, and deleting it.',
  },
] as const;

/** Where vendors may comment: only where the questionnaire asks for one, or on every question. */
export const VENDOR_COMMENTS = ['questionnaire', 'every'] as const;
export const VENDOR_COMMENT_CHOICES = [
  { value: 'questionnaire', label: 'Only where the questionnaire asks for a comment' },
  { value: 'every', label: 'On every question (optional for the vendor)' },
] as const;

const settingsForm = z.object({
  tenantName,
  linkTtlHours: z
    .string({ error: 'Enter a number of hours.' })
    .trim()
    .regex(/^\d{1,4}$/, 'Enter a whole number of hours.')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, 'Use at least 1 hour.')
        .max(MAX_LINK_HOURS, `Use at most ${MAX_LINK_HOURS} hours (${MAX_LINK_HOURS / 24} days).`),
    ),
  // Absent (a form from before this setting existed): unchanged.
  vendorComments: z.enum(VENDOR_COMMENTS, { error: 'Choose where vendors may add a comment.' }).optional(),
});

export async function settingsView(ctx: TenantReadCtx) {
  const tenant = await getTenantWithSettings(ctx);
  if (!tenant) throw new HttpError(404);
  return {
    tenantName: tenant.name,
    linkTtlHours: String(tenant.settings.linkTtlHours ?? DEFAULT_LINK_HOURS),
    vendorComments: tenant.settings.vendorComments ?? 'questionnaire',
    maxLinkHours: MAX_LINK_HOURS,
  };
}

export async function saveSettings(
  store: Store,
  actor: Actor,
  form: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const input = settingsForm.parse(form);
  await store.tenant(actor.tenantId).write(async (tx) => {
    const tenant = await getTenantWithSettings(tx);
    if (!tenant) throw new HttpError(404);
    // Per key: the read above is only for the audit entry, never written back (a concurrent change of
    // another setting would be lost).
    updateTenantSettings(tx, {
      name: input.tenantName,
      linkTtlHours: input.linkTtlHours,
      ...(input.vendorComments ? { vendorComments: input.vendorComments } : {}),
    });
    tx.audit(
      {
        actor: `user:${actor.userId}`,
        action: 'tenant.settings_changed',
        target: `tenant:${actor.tenantId}`,
        data: {
          renamed: tenant.name !== input.tenantName,
          link_ttl_hours: input.linkTtlHours,
          vendor_comments: input.vendorComments ?? tenant.settings.vendorComments ?? 'questionnaire',
        },
      },
      now,
    );
  });
}
