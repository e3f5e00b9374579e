import { and, eq, lt, sql } from 'drizzle-orm';
import { preparedRead, preparedWrite } from '../prepared.js';
import type { ReadCtx, TenantWriteCtx, WriteCtx, Written } from '../store.js';
import type { Role, TenantSettings } from '../tables.js';

export type SessionRow = {
  id: string;
  kind: 'user' | 'vendor' | 'mfa_pending';
  userId: string | null;
  tenantId: string | null;
  assessmentId: string | null;
  /** Vendor sessions: the contact who opened it. */
  contactId: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** Member sessions: when the member last proved who they are (sign-in, /app/reauth). */
  reauthAt: Date | null;
  /** Pending second steps: codes tried so far. */
  attempts: number;
};

/**
 * `id` is the SHA-256 of the cookie value; the caller hashes. On PostgreSQL a session row is reached only
 * by its hash (`store.as({ sessionId })`), by its user or by its tenant, and started by a unit of its tenant.
 */
export function insertSession(
  tx: WriteCtx,
  s: Omit<SessionRow, 'createdAt' | 'lastSeenAt' | 'contactId' | 'reauthAt' | 'attempts'> & {
    contactId?: string | null;
    reauthAt?: Date | null;
    now: Date;
  },
): void {
  const { now, ...rest } = s;
  tx.write(
    tx.db
      .insert(tx.t.sessions)
      .values({ contactId: null, reauthAt: null, ...rest, attempts: 0, createdAt: now, lastSeenAt: now }),
  );
}

// Every link or code redemption starts one: prepared once where the driver allows (prepared.ts). The
// columns a vendor session never sets are written as literals (a placeholder's value goes through the
// column's encoder, which takes no null for a timestamp).
const vendorSession = preparedWrite(
  ['id', 'tenantId', 'assessmentId', 'contactId', 'expiresAt', 'now'],
  (db, t, v) =>
    db.insert(t.sessions).values({
      id: v.id as string,
      kind: 'vendor',
      userId: null,
      tenantId: v.tenantId as string,
      assessmentId: v.assessmentId as string,
      contactId: v.contactId as string,
      expiresAt: v.expiresAt as Date,
      reauthAt: null,
      attempts: 0,
      createdAt: v.now as Date,
      lastSeenAt: v.now as Date,
    }),
);

/** {@link insertSession} for a vendor session (what a redemption queues). */
export function insertVendorSession(
  tx: TenantWriteCtx,
  s: { id: string; assessmentId: string; contactId: string; expiresAt: Date; now: Date },
): void {
  vendorSession(tx, {
    id: s.id,
    tenantId: tx.tenantId,
    assessmentId: s.assessmentId,
    contactId: s.contactId,
    expiresAt: s.expiresAt,
    now: s.now,
  });
}

// Every portal request reads its vendor session: prepared once (see prepared.ts).
const sessionById = preparedRead(['id'], (db, t, p) =>
  db.select().from(t.sessions).where(eq(t.sessions.id, p.id)),
);

export async function getSession(ctx: ReadCtx, id: string): Promise<SessionRow | null> {
  const [row] = await sessionById(ctx, { id });
  return (row as SessionRow | undefined) ?? null;
}

/** A member's session with everything the workspace checks on every request, in one statement. */
export type MemberSession = SessionRow & {
  email: string | null;
  disabledAt: Date | null;
  tenantName: string | null;
  role: Role | null;
  /** When the member's TOTP factor was confirmed; null: none. */
  mfaEnabledAt: Date | null;
  tenantSettings: TenantSettings | null;
  /** Set while an admin has disabled the membership: the session is ended on sight. */
  membershipDisabledAt: Date | null;
  /** Set while the tenant is pending deletion (src/privacy/tenant-deletion.ts): only admins stay in. */
  tenantDeletionDueAt: Date | null;
};

/**
 * Reads a member session with its user, tenant and membership. Read it with `store.as({ sessionId })`:
 * on PostgreSQL the memberships policy lets a session see exactly its own membership.
 */
const memberSession = preparedRead(['id'], (db, t, p) =>
  db
    .select({
      id: t.sessions.id,
      kind: t.sessions.kind,
      userId: t.sessions.userId,
      tenantId: t.sessions.tenantId,
      assessmentId: t.sessions.assessmentId,
      contactId: t.sessions.contactId,
      createdAt: t.sessions.createdAt,
      lastSeenAt: t.sessions.lastSeenAt,
      expiresAt: t.sessions.expiresAt,
      reauthAt: t.sessions.reauthAt,
      attempts: t.sessions.attempts,
      email: t.users.email,
      disabledAt: t.users.disabledAt,
      tenantName: t.tenants.name,
      role: t.memberships.role,
      mfaEnabledAt: t.users.totpEnabledAt,
      tenantSettings: t.tenants.settings,
      membershipDisabledAt: t.memberships.disabledAt,
      tenantDeletionDueAt: t.tenants.deletionDueAt,
    })
    .from(t.sessions)
    .leftJoin(t.users, eq(t.users.id, t.sessions.userId))
    .leftJoin(t.tenants, eq(t.tenants.id, t.sessions.tenantId))
    .leftJoin(
      t.memberships,
      and(eq(t.memberships.tenantId, t.sessions.tenantId), eq(t.memberships.userId, t.sessions.userId)),
    )
    .where(eq(t.sessions.id, p.id)),
);

/**
 * Reads a member session with its user, tenant and membership (every signed-in request: prepared once,
 * see prepared.ts). Read it with `store.as({ sessionId })`: on PostgreSQL the memberships policy lets a
 * session see exactly its own membership.
 */
export async function readMemberSession(ctx: ReadCtx, id: string): Promise<MemberSession | null> {
  const [row] = await memberSession(ctx, { id });
  return (row as MemberSession | undefined) ?? null;
}

export function touchSession(tx: WriteCtx, id: string, now: Date): void {
  tx.write(tx.db.update(tx.t.sessions).set({ lastSeenAt: now }).where(eq(tx.t.sessions.id, id)));
}

/** Records a re-authentication on the session (the `reauth` routes accept it for 5 minutes). */
export function markReauthenticated(tx: WriteCtx, id: string, now: Date): void {
  tx.write(tx.db.update(tx.t.sessions).set({ reauthAt: now }).where(eq(tx.t.sessions.id, id)), {
    guard: 'session-exists',
  });
}

/**
 * Counts one wrong code on a pending second step, only while it has tries left and is still pending;
 * returns the write, whose rows say how many tries were used.
 */
export function countSecondStepTry(
  tx: WriteCtx,
  id: string,
  maxTries: number,
): Written<{ attempts: number }> {
  const { t } = tx;
  return tx.write(
    tx.db
      .update(t.sessions)
      .set({ attempts: sql`${t.sessions.attempts} + 1` })
      .where(
        and(eq(t.sessions.id, id), eq(t.sessions.kind, 'mfa_pending'), lt(t.sessions.attempts, maxTries)),
      )
      .returning({ attempts: t.sessions.attempts }),
  );
}

export function deleteSession(tx: WriteCtx, id: string): Written {
  return tx.write(tx.db.delete(tx.t.sessions).where(eq(tx.t.sessions.id, id)));
}

export function deleteSessionsOfUser(tx: WriteCtx, userId: string): Written {
  return tx.write(tx.db.delete(tx.t.sessions).where(eq(tx.t.sessions.userId, userId)));
}

/** Sweeps every tenant's expired sessions: the scheduler's (`store.as({ system: 'scheduler' })`). */
export function deleteExpiredSessions(tx: WriteCtx, now: Date): Written {
  return tx.write(tx.db.delete(tx.t.sessions).where(lt(tx.t.sessions.expiresAt, now)));
}

/** Ends every vendor session of one assessment of the unit's tenant (the assessment was revoked). */
export function deleteVendorSessionsOf(tx: TenantWriteCtx, assessmentId: string): Written {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .delete(t.sessions)
      .where(
        and(
          eq(t.sessions.tenantId, tenantId),
          eq(t.sessions.kind, 'vendor'),
          eq(t.sessions.assessmentId, assessmentId),
        ),
      ),
  );
}
