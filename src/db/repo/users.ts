import { and, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { GlobalCtx, TenantCtx } from '../store.js';
import type { Role } from '../tables.js';

export type User = { id: string; email: string; passwordHash: string | null; disabledAt: Date | null };

const userCols = (t: GlobalCtx['t']) => ({
  id: t.users.id,
  email: t.users.email,
  passwordHash: t.users.passwordHash,
  disabledAt: t.users.disabledAt,
});

const normalise = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail({ db, t }: GlobalCtx, email: string): Promise<User | null> {
  const [row] = await db
    .select(userCols(t))
    .from(t.users)
    .where(eq(t.users.email, normalise(email)));
  return row ?? null;
}

export async function getUser({ db, t }: GlobalCtx, id: string): Promise<User | null> {
  if (!isId(id)) return null;
  const [row] = await db.select(userCols(t)).from(t.users).where(eq(t.users.id, id));
  return row ?? null;
}

/** Returns the existing identity for the email, or creates one (without a password). */
export async function ensureUser(ctx: GlobalCtx, email: string): Promise<User> {
  const existing = await findUserByEmail(ctx, email);
  if (existing) return existing;
  const [row] = await ctx.db
    .insert(ctx.t.users)
    .values({ email: normalise(email) })
    .returning(userCols(ctx.t));
  return row!;
}

export async function setPasswordHash(
  { db, t }: GlobalCtx,
  userId: string,
  passwordHash: string,
): Promise<void> {
  await db.update(t.users).set({ passwordHash }).where(eq(t.users.id, userId));
}

export type Membership = { tenantId: string; userId: string; role: Role };

export async function addMembership(ctx: TenantCtx, userId: string, role: Role): Promise<Membership> {
  const [row] = await ctx.db
    .insert(ctx.t.memberships)
    .values({ tenantId: ctx.tenantId, userId, role })
    .onConflictDoUpdate({ target: [ctx.t.memberships.tenantId, ctx.t.memberships.userId], set: { role } })
    .returning({
      tenantId: ctx.t.memberships.tenantId,
      userId: ctx.t.memberships.userId,
      role: ctx.t.memberships.role,
    });
  return row!;
}

export async function getMembership(
  { db, t, tenantId }: TenantCtx,
  userId: string,
): Promise<Membership | null> {
  if (!isId(userId)) return null;
  const [row] = await db
    .select({ tenantId: t.memberships.tenantId, userId: t.memberships.userId, role: t.memberships.role })
    .from(t.memberships)
    .where(and(eq(t.memberships.tenantId, tenantId), eq(t.memberships.userId, userId)));
  return row ?? null;
}

export async function listMembers({ db, t, tenantId }: TenantCtx) {
  return db
    .select({ userId: t.users.id, email: t.users.email, role: t.memberships.role })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(eq(t.memberships.tenantId, tenantId))
    .orderBy(t.users.email);
}

/** The tenants a user belongs to; call inside `store.withUser(userId, …)` (RLS self-read on PostgreSQL). */
export async function listMembershipsOfUser({ db, t }: GlobalCtx, userId: string) {
  return db
    .select({ tenantId: t.memberships.tenantId, role: t.memberships.role, tenantName: t.tenants.name })
    .from(t.memberships)
    .innerJoin(t.tenants, eq(t.tenants.id, t.memberships.tenantId))
    .where(eq(t.memberships.userId, userId))
    .orderBy(t.tenants.name);
}
