import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { GlobalCtx } from '../store.js';

export type SessionRow = {
  id: string;
  kind: 'user' | 'vendor';
  userId: string | null;
  tenantId: string | null;
  assessmentId: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
};

/** `id` is the SHA-256 of the cookie value; the caller hashes. */
export async function insertSession(
  { db, t }: GlobalCtx,
  s: Omit<SessionRow, 'createdAt' | 'lastSeenAt'> & { now: Date },
): Promise<void> {
  const { now, ...rest } = s;
  await db.insert(t.sessions).values({ ...rest, createdAt: now, lastSeenAt: now });
}

export async function getSession({ db, t }: GlobalCtx, id: string): Promise<SessionRow | null> {
  const [row] = await db.select().from(t.sessions).where(eq(t.sessions.id, id));
  return (row as SessionRow | undefined) ?? null;
}

export async function touchSession({ db, t }: GlobalCtx, id: string, now: Date): Promise<void> {
  await db.update(t.sessions).set({ lastSeenAt: now }).where(eq(t.sessions.id, id));
}

export async function deleteSession({ db, t }: GlobalCtx, id: string): Promise<void> {
  await db.delete(t.sessions).where(eq(t.sessions.id, id));
}

export async function deleteSessionsOfUser({ db, t }: GlobalCtx, userId: string): Promise<number> {
  const rows = await db
    .delete(t.sessions)
    .where(eq(t.sessions.userId, userId))
    .returning({ id: t.sessions.id });
  return rows.length;
}

export async function deleteExpiredSessions({ db, t }: GlobalCtx, now: Date): Promise<number> {
  const rows = await db
    .delete(t.sessions)
    .where(lt(t.sessions.expiresAt, now))
    .returning({ id: t.sessions.id });
  return rows.length;
}

export type SetupToken = {
  id: string;
  purpose: 'first_admin' | 'tenant_admin';
  tenantId: string | null;
  email: string | null;
  expiresAt: Date;
};

export async function insertSetupToken({ db, t }: GlobalCtx, token: SetupToken): Promise<void> {
  await db.insert(t.setupTokens).values(token);
}

/** Reads an unconsumed, unexpired token without consuming it (GET shows the form). */
export async function peekSetupToken(
  { db, t }: GlobalCtx,
  id: string,
  now: Date,
): Promise<SetupToken | null> {
  const [row] = await db
    .select({
      id: t.setupTokens.id,
      purpose: t.setupTokens.purpose,
      tenantId: t.setupTokens.tenantId,
      email: t.setupTokens.email,
      expiresAt: t.setupTokens.expiresAt,
    })
    .from(t.setupTokens)
    .where(and(eq(t.setupTokens.id, id), isNull(t.setupTokens.consumedAt), gt(t.setupTokens.expiresAt, now)));
  return row ?? null;
}

/** Single use: one conditional UPDATE … RETURNING; a second call returns null. */
export async function consumeSetupToken(
  { db, t }: GlobalCtx,
  id: string,
  now: Date,
): Promise<SetupToken | null> {
  const [row] = await db
    .update(t.setupTokens)
    .set({ consumedAt: now })
    .where(and(eq(t.setupTokens.id, id), isNull(t.setupTokens.consumedAt), gt(t.setupTokens.expiresAt, now)))
    .returning({
      id: t.setupTokens.id,
      purpose: t.setupTokens.purpose,
      tenantId: t.setupTokens.tenantId,
      email: t.setupTokens.email,
      expiresAt: t.setupTokens.expiresAt,
    });
  return row ?? null;
}

/** Invalidates the outstanding first-admin links (a new one replaces them at each start). */
export async function revokeFirstAdminTokens({ db, t }: GlobalCtx, now: Date): Promise<void> {
  await db
    .update(t.setupTokens)
    .set({ consumedAt: now })
    .where(and(eq(t.setupTokens.purpose, 'first_admin'), isNull(t.setupTokens.consumedAt)));
}
