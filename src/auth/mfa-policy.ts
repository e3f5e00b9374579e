/**
 * The tenant's rule "every member signs in with a second factor". Set by an admin (after a recent
 * re-authentication); members without a factor are then led to enrolment at their next request, and
 * nothing but the account pages works for them until they have one (src/workspace/mfa-enrolment-gate.ts).
 */
import { getMfaState, setTenantRequireMfa, tenantRequiresMfa } from '../db/repo/mfa.js';
import { HttpError } from '../errors.js';
import type { Member, MfaDeps } from './mfa.js';

export async function readRequireMfa(
  deps: MfaDeps,
  m: Member,
): Promise<{ required: boolean; ownMfa: boolean }> {
  return deps.store.tenant(m.tenantId, { userId: m.userId }).read(async (ctx) => ({
    required: await tenantRequiresMfa(ctx),
    ownMfa: (await getMfaState(ctx, m.userId))?.totpEnabledAt != null,
  }));
}

export async function setRequireMfa(
  deps: MfaDeps,
  m: Member,
  required: boolean,
  now: Date,
): Promise<boolean> {
  const current = await readRequireMfa(deps, m);
  // Requiring what one does not have would lock the admin into enrolment mid-change: ask for it first.
  if (required && !current.ownMfa)
    throw new HttpError(
      409,
      'Turn on two-step sign-in for your own account first (Account › Two-step sign-in), then require it for everyone.',
    );
  if (current.required === required) return false;
  await deps.store.tenant(m.tenantId, { userId: m.userId }).write((tx) => {
    setTenantRequireMfa(tx, required);
    tx.audit(
      {
        actor: `user:${m.userId}`,
        action: 'tenant.settings_changed',
        target: `tenant:${m.tenantId}`,
        data: { requireMfa: required },
      },
      now,
    );
  });
  return true;
}
