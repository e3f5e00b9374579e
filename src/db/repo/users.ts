import { and, eq, sql } from 'drizzle-orm';
import { normaliseEmail } from '../../auth/email.js';
import { isId, newId } from '../ids.js';
import { type ReadCtx, rawRows, type TenantReadCtx, type TenantWriteCtx, type WriteCtx } from '../store.js';
import type { Role } from '../tables.js';

export type User = { id: string; email: string; passwordHash: string | null; disabledAt: Date | null };

const userCols = (t: ReadCtx['t']) => ({
  id: t.users.id,
  email: t.users.email,
  passwordHash: t.users.passwordHash,
  disabledAt: t.users.disabledAt,
});

/**
 * The identity with this exact email (sign-in, set-up). On PostgreSQL the users table shows a unit only
 * the identities its claims reach, and sign-in knows nothing but the email: the lookup goes through
 * `assay_user_by_email` (migrations/pg/0002…), which returns that one row, never a list.
 */
export async function findUserByEmail(ctx: ReadCtx, email: string): Promise<User | null> {
  const { db, t } = ctx;
  if (ctx.dialect === 'pg') {
    const [row] = await rawRows<User>(
      ctx,
      sql`select id, email, password_hash as "passwordHash", disabled_at as "disabledAt" from assay_user_by_email(${normaliseEmail(email)})`,
    );
    return row ?? null;
  }
  const [row] = await db
    .select(userCols(t))
    .from(t.users)
    .where(eq(t.users.email, normaliseEmail(email)));
  return row ?? null;
}

export async function getUser({ db, t }: ReadCtx, id: string): Promise<User | null> {
  if (!isId(id)) return null;
  const [row] = await db.select(userCols(t)).from(t.users).where(eq(t.users.id, id));
  return row ?? null;
}

/**
 * The identity for an email: the existing one, or one queued for creation (without a password).
 * Two units creating the same email at once: the unique key refuses the second, which fails whole.
 */
export async function ensureUser(tx: WriteCtx, email: string): Promise<User & { created: boolean }> {
  const existing = await findUserByEmail(tx, email);
  if (existing) return { ...existing, created: false };
  const user = { id: newId(), email: normaliseEmail(email), passwordHash: null, disabledAt: null };
  tx.write(tx.db.insert(tx.t.users).values({ id: user.id, email: user.email }));
  return { ...user, created: true };
}

export function setPasswordHash(tx: WriteCtx, userId: string, passwordHash: string): void {
  tx.write(tx.db.update(tx.t.users).set({ passwordHash }).where(eq(tx.t.users.id, userId)), {
    guard: 'user-exists',
  });
}

export type Membership = { tenantId: string; userId: string; role: Role };

/** Grants `role` in the unit's tenant (changing the role of an existing membership). */
export function addMembership(tx: TenantWriteCtx, userId: string, role: Role): Membership {
  tx.write(
    tx.db
      .insert(tx.t.memberships)
      .values({ tenantId: tx.tenantId, userId, role })
      .onConflictDoUpdate({ target: [tx.t.memberships.tenantId, tx.t.memberships.userId], set: { role } }),
  );
  return { tenantId: tx.tenantId, userId, role };
}

export async function getMembership(
  { db, t, tenantId }: TenantReadCtx,
  userId: string,
): Promise<Membership | null> {
  if (!isId(userId)) return null;
  const [row] = await db
    .select({ tenantId: t.memberships.tenantId, userId: t.memberships.userId, role: t.memberships.role })
    .from(t.memberships)
    .where(and(eq(t.memberships.tenantId, tenantId), eq(t.memberships.userId, userId)));
  return row ?? null;
}

export async function listMembers({ db, t, tenantId }: TenantReadCtx) {
  return db
    .select({ userId: t.users.id, email: t.users.email, role: t.memberships.role })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(eq(t.memberships.tenantId, tenantId))
    .orderBy(t.users.email);
}

/**
 * The tenants a user belongs to, with whether the user has a second factor (sign-in needs both, in one
 * statement); read with `store.as({ userId })` (RLS self-read on PostgreSQL).
 */
export async function listMembershipsOfUser({ db, t }: ReadCtx, userId: string) {
  return db
    .select({
      tenantId: t.memberships.tenantId,
      role: t.memberships.role,
      tenantName: t.tenants.name,
      mfaEnabledAt: t.users.totpEnabledAt,
      disabledAt: t.memberships.disabledAt,
    })
    .from(t.memberships)
    .innerJoin(t.tenants, eq(t.tenants.id, t.memberships.tenantId))
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(eq(t.memberships.userId, userId))
    .orderBy(t.tenants.name);
}
