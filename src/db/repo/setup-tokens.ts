import { and, eq, gt, isNull } from 'drizzle-orm';
import type { ReadCtx, WriteCtx, Written } from '../store.js';

export type SetupToken = {
  id: string;
  purpose: 'first_admin' | 'tenant_admin';
  tenantId: string | null;
  email: string | null;
  expiresAt: Date;
};

const tokenCols = (t: ReadCtx['t']) => ({
  id: t.setupTokens.id,
  purpose: t.setupTokens.purpose,
  tenantId: t.setupTokens.tenantId,
  email: t.setupTokens.email,
  expiresAt: t.setupTokens.expiresAt,
});

export function insertSetupToken(tx: WriteCtx, token: SetupToken, now = new Date()): void {
  tx.write(tx.db.insert(tx.t.setupTokens).values({ ...token, createdAt: now }));
}

/** Reads an unconsumed, unexpired token without consuming it (GET shows the form). */
export async function peekSetupToken({ db, t }: ReadCtx, id: string, now: Date): Promise<SetupToken | null> {
  const [row] = await db
    .select(tokenCols(t))
    .from(t.setupTokens)
    .where(and(eq(t.setupTokens.id, id), isNull(t.setupTokens.consumedAt), gt(t.setupTokens.expiresAt, now)));
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
        and(eq(t.setupTokens.id, id), isNull(t.setupTokens.consumedAt), gt(t.setupTokens.expiresAt, now)),
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
