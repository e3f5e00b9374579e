/**
 * The team of a tenant: inviting colleagues by email, withdrawing invitations, changing roles,
 * disabling, re-enabling and removing members. An invitation is a one-time link under /setup with the
 * rules of the set-up link (256-bit token, only its hash stored, one use, 72 hours, GET side-effect free);
 * accepting it is in tenants.ts (`completeSetup`). The rule that a tenant keeps at least one active admin
 * lives in SQL (src/db/repo/members.ts), so it holds under concurrency; this module adds the rules that
 * need no database: nobody changes their own role or status.
 */
import { z } from 'zod';
import { ROLE_LABELS } from '../auth/permissions.js';
import { hashToken, newSecret } from '../auth/tokens.js';
import {
  disableMember,
  enableMember,
  getMember,
  listTeam,
  MEMBER_GUARDS,
  type Member,
  removeMember,
  setMemberRole,
} from '../db/repo/members.js';
import {
  INVITATION_PENDING,
  insertSetupToken,
  listPendingInvitations,
  revokeInvitation,
  revokeInvitationsTo,
} from '../db/repo/setup-tokens.js';
import { currentTenant } from '../db/repo/tenants.js';
import { findUserByEmail } from '../db/repo/users.js';
import { GuardError, type Store, type TenantReadCtx } from '../db/store.js';
import { ROLES, type Role } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { parseMailAddress } from '../mail/address.js';
import { queueMail } from '../mail/queue.js';
import { renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { ADMIN_INVITE_TTL_MS } from './tenants.js';

/** An invitation lives as long as an admin's set-up link. */
export const MEMBER_INVITE_TTL_MS = ADMIN_INVITE_TTL_MS;

export type TeamDeps = Pick<Ports, 'store' | 'clock' | 'templates'> & {
  mail?: Pick<Ports['mail'], 'queued'>;
  baseUrl: string;
};

/** Who acts: the signed-in member (from the session, never from the form). */
export interface Actor {
  tenantId: string;
  userId: string;
}

const role = z.enum(ROLES, { error: 'Choose one of the roles listed.' });
const inviteForm = z.object({
  email: z.string({ error: 'Enter an email address.' }),
  role,
  locale: z.enum(['en', 'de']).optional(),
});
const roleForm = z.object({ role });

/** Invitation ids are the SHA-256 of the token (hex), as stored. */
const INVITATION_ID = /^[0-9a-f]{64}$/;

export interface TeamView {
  members: (Member & { roleLabel: string; self: boolean })[];
  invitations: { id: string; email: string | null; role: Role | null; roleLabel: string; expiresAt: Date }[];
  roles: { value: Role; label: string }[];
}

export async function teamView(ctx: TenantReadCtx, self: string, now: Date): Promise<TeamView> {
  const [members, invitations] = await Promise.all([listTeam(ctx), listPendingInvitations(ctx, now)]);
  return {
    members: members.map((m) => ({ ...m, roleLabel: ROLE_LABELS[m.role], self: m.userId === self })),
    invitations: invitations.map((i) => ({
      id: i.id,
      email: i.email,
      role: i.role ?? null,
      roleLabel: i.role ? ROLE_LABELS[i.role] : '',
      expiresAt: i.expiresAt,
    })),
    roles: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
  };
}

/**
 * Invites a colleague: a one-time link mailed through the outbox, in the same unit as the token and the
 * audit entry. A newer invitation to the same address replaces the pending one.
 */
export async function inviteMember(
  deps: TeamDeps,
  actor: Actor,
  form: Record<string, unknown>,
): Promise<{ invitationId: string }> {
  const input = inviteForm.parse(form);
  const parsed = parseMailAddress(input.email);
  if (!parsed.ok) throw new HttpError(422, 'Check the email address.', { fields: { email: parsed.message } });
  const email = parsed.address;
  const now = deps.clock.now();
  const token = newSecret();
  const id = hashToken(token);
  const expiresAt = new Date(now.getTime() + MEMBER_INVITE_TTL_MS);
  await deps.store.tenant(actor.tenantId).write(async (tx) => {
    const [tenant, inviter, existing] = await Promise.all([
      currentTenant(tx),
      getMember(tx, actor.userId),
      findUserByEmail(tx, email),
    ]);
    if (!tenant || !inviter) throw new HttpError(403);
    if (existing && (await getMember(tx, existing.id))) {
      throw new HttpError(422, 'That person is already a member.', {
        fields: { email: 'This address already belongs to a member of this workspace.' },
      });
    }
    revokeInvitationsTo(tx, email, now);
    insertSetupToken(
      tx,
      {
        id,
        purpose: 'member_invite',
        tenantId: actor.tenantId,
        email,
        role: input.role,
        invitedBy: actor.userId,
        expiresAt,
      },
      now,
    );
    const mail = renderEmail(deps.templates, 'member_invitation', input.locale ?? 'en', {
      tenantName: tenant.name,
      inviterEmail: inviter.email,
      roleLabel: ROLE_LABELS[input.role],
      link: `${deps.baseUrl}/setup/${token}`,
      origin: deps.baseUrl,
      expiresAt,
    });
    queueMail(
      tx,
      { tenantId: actor.tenantId, dedupeKey: `member-invite:${id}`, to: email, email: mail },
      now,
    );
    tx.audit(
      {
        actor: `user:${actor.userId}`,
        action: 'member.invited',
        target: `invitation:${id}`,
        data: { role: input.role },
      },
      now,
    );
  });
  deps.mail?.queued();
  return { invitationId: id };
}

const notPending = () => new HttpError(404, 'That invitation is no longer pending.');

export async function withdrawInvitation(store: Store, actor: Actor, id: string, now: Date): Promise<void> {
  if (!INVITATION_ID.test(id)) throw notPending();
  try {
    await store.tenant(actor.tenantId).write((tx) => {
      revokeInvitation(tx, id, now);
      tx.audit(
        { actor: `user:${actor.userId}`, action: 'member.invitation_revoked', target: `invitation:${id}` },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === INVITATION_PENDING) throw notPending();
    throw err;
  }
}

const noSuchMember = () => new HttpError(404, 'There is no such member in this workspace.');
const lastAdmin = () =>
  new HttpError(
    409,
    'This workspace needs at least one active admin. Make another member an admin first, then try again.',
  );
const notYourself = (what: string) => new HttpError(403, `You cannot ${what} yourself. Ask another admin.`);

/**
 * The one shape of every member change: the target read in the unit (another tenant's member is 404),
 * the change queued with its guard, one audit entry; a guard that fails is a clear 409.
 */
async function changeMember(
  store: Store,
  actor: Actor,
  targetId: string,
  now: Date,
  change: (
    tx: Parameters<Parameters<ReturnType<Store['tenant']>['write']>[0]>[0],
    m: Member,
  ) => { action: string; data?: Record<string, unknown> } | null,
): Promise<void> {
  try {
    await store.tenant(actor.tenantId).write(async (tx) => {
      const member = await getMember(tx, targetId);
      if (!member) throw noSuchMember();
      const done = change(tx, member);
      if (done) {
        tx.audit(
          {
            actor: `user:${actor.userId}`,
            action: done.action,
            target: `user:${member.userId}`,
            data: done.data,
          },
          now,
        );
      }
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === MEMBER_GUARDS.lastAdmin) throw lastAdmin();
    if (err instanceof GuardError && err.guard === MEMBER_GUARDS.disabled) {
      throw new HttpError(409, 'That member is not disabled.');
    }
    throw err;
  }
}

export async function changeMemberRole(
  store: Store,
  actor: Actor,
  targetId: string,
  form: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const input = roleForm.parse(form);
  if (targetId === actor.userId) throw notYourself('change the role of');
  await changeMember(store, actor, targetId, now, (tx, m) => {
    if (m.role === input.role) return null;
    setMemberRole(tx, m.userId, input.role);
    return { action: 'member.role_changed', data: { from: m.role, to: input.role } };
  });
}

export async function setMemberDisabled(
  store: Store,
  actor: Actor,
  targetId: string,
  disabled: boolean,
  now: Date,
): Promise<void> {
  if (targetId === actor.userId) throw notYourself(disabled ? 'disable' : 're-enable');
  await changeMember(store, actor, targetId, now, (tx, m) => {
    if (disabled) {
      if (m.disabledAt) return null;
      disableMember(tx, m.userId, now);
      return { action: 'member.disabled' };
    }
    enableMember(tx, m.userId);
    return { action: 'member.enabled' };
  });
}

export async function removeFromTeam(store: Store, actor: Actor, targetId: string, now: Date): Promise<void> {
  if (targetId === actor.userId) throw notYourself('remove');
  await changeMember(store, actor, targetId, now, (tx, m) => {
    removeMember(tx, m.userId);
    return { action: 'member.removed', data: { role: m.role } };
  });
}
