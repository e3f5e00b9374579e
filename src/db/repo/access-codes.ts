import { and, desc, eq, gt, isNull, lt, lte, sql } from 'drizzle-orm';
import { newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type AccessCodePurpose = 'access' | 'submit';
export type AccessCode = {
  id: string;
  assessmentId: string;
  contactId: string;
  purpose: AccessCodePurpose;
  binding: string;
  attempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
};

/** Tries one code allows (OTP-01); the per-assessment daily cap is a rate counter on top. */
export const MAX_CODE_ATTEMPTS = 5;

/**
 * Queues a code and retires the outstanding ones of the same assessment, purpose and binding: only the
 * newest code works. Retired codes keep their attempts (a re-send never resets a count: NIST §3.1.3).
 */
export function insertAccessCode(
  tx: TenantWriteCtx,
  c: Omit<AccessCode, 'id' | 'attempts' | 'consumedAt'> & { codeHash: string },
): string {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .update(t.accessCodes)
      .set({ consumedAt: c.createdAt })
      .where(
        and(
          eq(t.accessCodes.tenantId, tenantId),
          eq(t.accessCodes.assessmentId, c.assessmentId),
          eq(t.accessCodes.purpose, c.purpose),
          eq(t.accessCodes.binding, c.binding),
          isNull(t.accessCodes.consumedAt),
        ),
      ),
  );
  const id = newId();
  tx.write(db.insert(t.accessCodes).values({ ...c, id, tenantId, attempts: 0 }));
  return id;
}

/** The newest live code for this assessment, purpose and binding (what a typed code is checked against). */
export async function findLiveAccessCode(
  { db, t, tenantId }: TenantReadCtx,
  q: { assessmentId: string; purpose: AccessCodePurpose; binding: string },
  now: Date,
): Promise<AccessCode | null> {
  const [row] = await db
    .select({
      id: t.accessCodes.id,
      assessmentId: t.accessCodes.assessmentId,
      contactId: t.accessCodes.contactId,
      purpose: t.accessCodes.purpose,
      binding: t.accessCodes.binding,
      attempts: t.accessCodes.attempts,
      expiresAt: t.accessCodes.expiresAt,
      consumedAt: t.accessCodes.consumedAt,
      createdAt: t.accessCodes.createdAt,
    })
    .from(t.accessCodes)
    .where(
      and(
        eq(t.accessCodes.tenantId, tenantId),
        eq(t.accessCodes.assessmentId, q.assessmentId),
        eq(t.accessCodes.purpose, q.purpose),
        eq(t.accessCodes.binding, q.binding),
        isNull(t.accessCodes.consumedAt),
        gt(t.accessCodes.expiresAt, now),
      ),
    )
    .orderBy(desc(t.accessCodes.createdAt))
    .limit(1);
  return row ?? null;
}

/** The guard of a try: the code was live and had tries left when this one was counted. */
export const CODE_TRY_LEFT = 'access-code-try-left';
/** The guard of a spend: the typed code matched a live code (and nobody spent it first). */
export const CODE_MATCHES = 'access-code-matches';

const live = (t: TenantReadCtx['t'], tenantId: string, id: string, now: Date) =>
  and(
    eq(t.accessCodes.tenantId, tenantId),
    eq(t.accessCodes.id, id),
    isNull(t.accessCodes.consumedAt),
    gt(t.accessCodes.expiresAt, now),
  );

/**
 * Counts one try on a live code that has tries left; guarded, so a locked, spent or expired code fails
 * the unit. Run it in a unit of its own before {@link spendAccessCode}: a wrong code must stay counted
 * when the spending unit rolls back.
 */
export function countAccessTry(tx: TenantWriteCtx, id: string, now: Date): Written<{ attempts: number }> {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.accessCodes)
      .set({ attempts: sql`${t.accessCodes.attempts} + 1` })
      .where(and(live(t, tenantId, id, now), lt(t.accessCodes.attempts, MAX_CODE_ATTEMPTS)))
      .returning({ attempts: t.accessCodes.attempts }),
    { guard: CODE_TRY_LEFT },
  );
}

/**
 * Spends the code if the typed one matches, guarded: whatever the caller queues with it (a session)
 * commits only for the one unit that spent a matching code.
 */
export function spendAccessCode(tx: TenantWriteCtx, id: string, codeHash: string, now: Date): Written {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.accessCodes)
      .set({ consumedAt: now })
      .where(
        and(
          live(t, tenantId, id, now),
          eq(t.accessCodes.codeHash, codeHash),
          lte(t.accessCodes.attempts, MAX_CODE_ATTEMPTS),
        ),
      )
      .returning({ id: t.accessCodes.id }),
    { guard: CODE_MATCHES },
  );
}
