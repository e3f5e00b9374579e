import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { ReadCtx, TenantReadCtx, TenantWriteCtx, WriteCtx, Written } from '../store.js';
import type { Role, SETUP_PURPOSES } from '../tables.js';

export type SetupToken = {
  id: string;
  purpose: (typeof SETUP_PURPOSES)[number];
  tenantId: string | null;
  email: string | null;
  /** `member_invite`: the role granted on acceptance. */
  role?: Role | null;
  /** `member_invite`: the inviting member's id. */
  invitedBy?: string | null;
  expiresAt: Date;
};

const tokenCols = (t: ReadCtx['t']) => ({
  id: t.setupTokens.id,
  purpose: t.setupTokens.purpose,
  tenantId: t.setupTokens.tenantId,
  email: t.setupTokens.email,
  role: t.setupTokens.role,
  invitedBy: t.setupTokens.invitedBy,
  expiresAt: t.setupTokens.expiresAt,
});

/** Usable: neither consumed, nor revoked, nor expired. */
const usable = (t: ReadCtx['t'], now: Date) =>
  and(isNull(t.setupTokens.consumedAt), isNull(t.setupTokens.revokedAt), gt(t.setupTokens.expiresAt, now));

export function insertSetupToken(tx: WriteCtx, token: SetupToken, now = new Date()): void {
  tx.write(tx.db.insert(tx.t.setupTokens).values({ role: null, invitedBy: null, ...token, createdAt: now }));
}

/** The tenant's pending member invitations, oldest first. */
export async function listPendingInvitations(ctx: TenantReadCtx, now: Date) {
  const { db, t, tenantId } = ctx;
  return db
    .select({ ...tokenCols(t), createdAt: t.setupTokens.createdAt })
    .from(t.setupTokens)
    .where(
      and(eq(t.setupTokens.tenantId, tenantId), eq(t.setupTokens.purpose, 'member_invite'), usable(t, now)),
    )
    .orderBy(asc(t.setupTokens.createdAt), asc(t.setupTokens.id));
}

export const INVITATION_PENDING = 'invitation-pending';

/** Withdraws one pending invitation of the unit's tenant (guard: it was still pending). */
export function revokeInvitation(tx: TenantWriteCtx, id: string, now: Date): Written {
  const { db, t } = tx;
  return tx.write(
    db
      .update(t.setupTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(t.setupTokens.id, id),
          eq(t.setupTokens.tenantId, tx.tenantId),
          eq(t.setupTokens.purpose, 'member_invite'),
          usable(t, now),
        ),
      ),
    { guard: INVITATION_PENDING },
  );
}

/** A new invitation replaces the pending ones to the same address. */
export function revokeInvitationsTo(tx: TenantWriteCtx, email: string, now: Date): Written {
  const { db, t } = tx;
  return tx.write(
    db
      .update(t.setupTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(t.setupTokens.tenantId, tx.tenantId),
          eq(t.setupTokens.purpose, 'member_invite'),
          eq(t.setupTokens.email, email),
          usable(t, now),
        ),
      ),
  );
}

/** Reads an unconsumed, unexpired token without consuming it (GET shows the form). */
export async function peekSetupToken({ db, t }: ReadCtx, id: string, now: Date): Promise<SetupToken | null> {
  const [row] = await db
    .select(tokenCols(t))
    .from(t.setupTokens)
    .where(and(eq(t.setupTokens.id, id), usable(t, now)));
  return row ?? null;
}

/** The guard a consumption carries: the unit fails whole with `GuardError(SETUP_TOKEN_UNUSED)` if another use won. */
export const SETUP_TOKEN_UNUSED = 'setup-token-unused';

/** Single use: one conditional UPDATE … RETURNING; if the token is spent or expired, the unit rolls back. */
export function consumeSetupToken(tx: WriteCtx, id: string, now: Date): Written<SetupToken> {
  const { db, t } = tx;
  return tx.write(
    db
      .update(t.setupTokens)
      .set({ consumedAt: now })
      .where(
        and(
          eq(t.setupTokens.id, id),
          usable(t, now),
          // A workspace pending deletion admits nobody new (docs/tenant-exit.md); fails closed where the
          // tenant row is not visible to the unit.
          sql`(${t.setupTokens.tenantId} is null or exists (select 1 from tenants o where o.id = ${t.setupTokens.tenantId} and o.deletion_requested_at is null))`,
        ),
      )
      .returning(tokenCols(t)),
    { guard: SETUP_TOKEN_UNUSED },
  );
}

/**
 * Invalidates the outstanding first-admin links (a new one replaces them at each start). They belong to no
 * tenant: on PostgreSQL only the operator (`system: 'cli'`) reaches them.
 */
export function revokeFirstAdminTokens(tx: WriteCtx, now: Date): void {
  tx.write(
    tx.db
      .update(tx.t.setupTokens)
      .set({ consumedAt: now })
      .where(and(eq(tx.t.setupTokens.purpose, 'first_admin'), isNull(tx.t.setupTokens.consumedAt))),
  );
}
