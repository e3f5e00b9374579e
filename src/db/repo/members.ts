/**
 * The team of a tenant: memberships with their role and status. Every change that could leave a tenant
 * without an active admin carries the rule in SQL (`keepsAnActiveAdmin`), so two admins demoting or
 * disabling each other at the same moment cannot both succeed, whatever the driver.
 */
import { and, eq, isNotNull, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';
import type { Role } from '../tables.js';

export type Member = {
  userId: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
  joinedAt: Date;
};

/** Guard names: the unit rolls back with `GuardError(<name>)` when the rule did not hold. */
export const MEMBER_GUARDS = {
  /** The change would leave the tenant without an active admin (or the member changed meanwhile). */
  lastAdmin: 'member-last-active-admin',
  /** The membership already exists (an invitation accepted twice, a concurrent add). */
  isNew: 'member-new',
  /** Re-enabling a member who is not disabled (any more). */
  disabled: 'member-disabled',
} as const;

export async function listTeam({ db, t, tenantId }: TenantReadCtx): Promise<Member[]> {
  return db
    .select({
      userId: t.users.id,
      email: t.users.email,
      role: t.memberships.role,
      disabledAt: t.memberships.disabledAt,
      joinedAt: t.memberships.createdAt,
    })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(eq(t.memberships.tenantId, tenantId))
    .orderBy(t.users.email);
}

/** One member of the unit's tenant; null for a malformed id or a user of another tenant. */
export async function getMember({ db, t, tenantId }: TenantReadCtx, userId: string): Promise<Member | null> {
  if (!isId(userId)) return null;
  const [row] = await db
    .select({
      userId: t.users.id,
      email: t.users.email,
      role: t.memberships.role,
      disabledAt: t.memberships.disabledAt,
      joinedAt: t.memberships.createdAt,
    })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(and(eq(t.memberships.tenantId, tenantId), eq(t.memberships.userId, userId)));
  return row ?? null;
}

/**
 * True while some active admin other than `userId` remains. On PostgreSQL every active admin row of the
 * tenant is locked in id order first: a concurrent change to one of them waits, and the count is then
 * taken over the rows as they were committed (two admins demoting each other: the second finds none
 * left). SQLite and D1 run one writer at a time, so the count is current there anyway.
 */
function keepsAnActiveAdmin(tx: TenantWriteCtx, userId: string): SQL {
  const lock = tx.dialect === 'pg' ? sql` order by o.user_id for update` : sql``;
  return sql`(select count(*) from (select o.user_id from memberships o where o.tenant_id = ${tx.tenantId} and o.role = 'admin' and o.disabled_at is null${lock}) a where a.user_id <> ${userId}) > 0`;
}

const one = (tx: TenantWriteCtx, userId: string) =>
  and(eq(tx.t.memberships.tenantId, tx.tenantId), eq(tx.t.memberships.userId, userId));

/** Adds a member with `role`; refuses (guard `member-new`) when the user is a member already. */
export function insertMembership(tx: TenantWriteCtx, userId: string, role: Role, now: Date): Written {
  return tx.write(
    tx.db
      .insert(tx.t.memberships)
      .values({ tenantId: tx.tenantId, userId, role, createdAt: now })
      .onConflictDoNothing({ target: [tx.t.memberships.tenantId, tx.t.memberships.userId] }),
    { guard: MEMBER_GUARDS.isNew },
  );
}

/** Changes a member's role, unless that demotes the last active admin. */
export function setMemberRole(tx: TenantWriteCtx, userId: string, role: Role): Written {
  const m = tx.t.memberships;
  const allowed =
    role === 'admin'
      ? undefined
      : or(ne(m.role, 'admin'), isNotNull(m.disabledAt), keepsAnActiveAdmin(tx, userId));
  return tx.write(
    tx.db
      .update(m)
      .set({ role })
      .where(and(one(tx, userId), allowed)),
    { guard: MEMBER_GUARDS.lastAdmin },
  );
}

/** Disables an active member, unless they are the last active admin; their sessions in this tenant end. */
export function disableMember(tx: TenantWriteCtx, userId: string, now: Date): void {
  const m = tx.t.memberships;
  tx.write(
    tx.db
      .update(m)
      .set({ disabledAt: now })
      .where(
        and(one(tx, userId), isNull(m.disabledAt), or(ne(m.role, 'admin'), keepsAnActiveAdmin(tx, userId))),
      ),
    { guard: MEMBER_GUARDS.lastAdmin },
  );
  endSessionsInTenant(tx, userId);
}

export function enableMember(tx: TenantWriteCtx, userId: string): void {
  const m = tx.t.memberships;
  tx.write(
    tx.db
      .update(m)
      .set({ disabledAt: null })
      .where(and(one(tx, userId), isNotNull(m.disabledAt))),
    { guard: MEMBER_GUARDS.disabled },
  );
}

/** Removes a member, unless they are the last active admin; their sessions in this tenant end. */
export function removeMember(tx: TenantWriteCtx, userId: string): void {
  const m = tx.t.memberships;
  tx.write(
    tx.db
      .delete(m)
      .where(
        and(
          one(tx, userId),
          or(ne(m.role, 'admin'), isNotNull(m.disabledAt), keepsAnActiveAdmin(tx, userId)),
        ),
      ),
    { guard: MEMBER_GUARDS.lastAdmin },
  );
  endSessionsInTenant(tx, userId);
}

/** Ends every session the user holds in the unit's tenant (their sessions elsewhere are not ours). */
export function endSessionsInTenant(tx: TenantWriteCtx, userId: string): Written {
  const s = tx.t.sessions;
  return tx.write(tx.db.delete(s).where(and(eq(s.userId, userId), eq(s.tenantId, tx.tenantId))));
}
