/**
 * A member's second factor (global: one identity, every tenant it belongs to). On PostgreSQL the users
 * row is reachable as that user or through a tenant of theirs, the recovery codes only as that user:
 * read and write these with claims that name the user (`store.tenant(id, { userId })`).
 */
import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { newId } from '../ids.js';
import type { ReadCtx, TenantReadCtx, TenantWriteCtx, WriteCtx, Written } from '../store.js';
import type { TenantSettings } from '../tables.js';

export type MfaState = {
  userId: string;
  email: string;
  passwordHash: string | null;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: number | null;
};

export async function getMfaState({ db, t }: ReadCtx, userId: string): Promise<MfaState | null> {
  const [row] = await db
    .select({
      userId: t.users.id,
      email: t.users.email,
      passwordHash: t.users.passwordHash,
      totpSecret: t.users.totpSecret,
      totpPendingSecret: t.users.totpPendingSecret,
      totpEnabledAt: t.users.totpEnabledAt,
      totpLastStep: t.users.totpLastStep,
    })
    .from(t.users)
    .where(eq(t.users.id, userId));
  return row ?? null;
}

export async function countUnusedRecoveryCodes({ db, t }: ReadCtx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(t.mfaRecoveryCodes)
    .where(and(eq(t.mfaRecoveryCodes.userId, userId), isNull(t.mfaRecoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

/** Starts (or restarts) an enrolment; a confirmed factor must be disabled first. */
export function setPendingTotp(tx: WriteCtx, userId: string, sealed: string): void {
  tx.write(
    tx.db
      .update(tx.t.users)
      .set({ totpPendingSecret: sealed })
      .where(and(eq(tx.t.users.id, userId), isNull(tx.t.users.totpSecret))),
    { guard: 'mfa-not-enabled' },
  );
}

/**
 * Confirms the enrolment that was checked: only if the pending seed is still the one the first code was
 * verified against (a restarted enrolment in another tab cannot be confirmed with the old code).
 */
export function enableTotp(tx: WriteCtx, userId: string, pending: string, step: number, now: Date): void {
  tx.write(
    tx.db
      .update(tx.t.users)
      .set({ totpSecret: pending, totpPendingSecret: null, totpEnabledAt: now, totpLastStep: step })
      .where(
        and(
          eq(tx.t.users.id, userId),
          eq(tx.t.users.totpPendingSecret, pending),
          isNull(tx.t.users.totpSecret),
        ),
      ),
    { guard: 'mfa-pending-unchanged' },
  );
}

/**
 * Records `step` as the last accepted TOTP step, only if it is strictly later than the stored one: of
 * two concurrent uses of one code, exactly one changes the row; the other unit rolls back (GuardError).
 */
export function acceptTotpStep(tx: WriteCtx, userId: string, step: number): void {
  tx.write(
    tx.db
      .update(tx.t.users)
      .set({ totpLastStep: step })
      .where(
        and(
          eq(tx.t.users.id, userId),
          or(isNull(tx.t.users.totpLastStep), lt(tx.t.users.totpLastStep, step)),
        ),
      ),
    { guard: 'totp-step-unused' },
  );
}

export function disableTotp(tx: WriteCtx, userId: string): void {
  tx.write(
    tx.db
      .update(tx.t.users)
      .set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null })
      .where(eq(tx.t.users.id, userId)),
    { guard: 'user-exists' },
  );
  deleteRecoveryCodes(tx, userId);
}

export function deleteRecoveryCodes(tx: WriteCtx, userId: string): Written {
  return tx.write(tx.db.delete(tx.t.mfaRecoveryCodes).where(eq(tx.t.mfaRecoveryCodes.userId, userId)));
}

/** Replaces every code of the user (used or not) with these hashes. */
export function replaceRecoveryCodes(
  tx: WriteCtx,
  userId: string,
  hashes: readonly string[],
  now: Date,
): void {
  deleteRecoveryCodes(tx, userId);
  tx.write(
    tx.db
      .insert(tx.t.mfaRecoveryCodes)
      .values(hashes.map((codeHash) => ({ id: newId(), userId, codeHash, createdAt: now }))),
  );
}

/** Spends one code: only if it is the user's and unused (a used one changes no row: GuardError). */
export function useRecoveryCode(tx: WriteCtx, userId: string, codeHash: string, now: Date): void {
  tx.write(
    tx.db
      .update(tx.t.mfaRecoveryCodes)
      .set({ usedAt: now })
      .where(
        and(
          eq(tx.t.mfaRecoveryCodes.userId, userId),
          eq(tx.t.mfaRecoveryCodes.codeHash, codeHash),
          isNull(tx.t.mfaRecoveryCodes.usedAt),
        ),
      ),
    { guard: 'recovery-code-unused' },
  );
}

/** Ends every session of the user but `keep` (a changed password or factor: ASVS 7.4.3). */
export function deleteOtherSessionsOfUser(tx: WriteCtx, userId: string, keep: string): Written {
  return tx.write(
    tx.db.delete(tx.t.sessions).where(and(eq(tx.t.sessions.userId, userId), ne(tx.t.sessions.id, keep))),
  );
}

/**
 * Sets one key of the unit's tenant settings in SQL (json_set / jsonb_set), so a concurrent change of
 * another setting is never overwritten by a stale copy read earlier.
 */
export function setTenantRequireMfa(tx: TenantWriteCtx, required: boolean): void {
  const { t } = tx;
  const value =
    tx.dialect === 'pg'
      ? sql`jsonb_set(${t.tenants.settings}, '{requireMfa}', to_jsonb(${required}::boolean))`
      : sql`json_set(${t.tenants.settings}, '$.requireMfa', json(${required ? 'true' : 'false'}))`;
  tx.write(
    tx.db
      .update(t.tenants)
      .set({ settings: value as unknown as TenantSettings })
      .where(eq(t.tenants.id, tx.tenantId)),
    { guard: 'tenant-exists' },
  );
}

export async function tenantRequiresMfa({ db, t, tenantId }: TenantReadCtx): Promise<boolean> {
  const [row] = await db
    .select({ settings: t.tenants.settings })
    .from(t.tenants)
    .where(eq(t.tenants.id, tenantId));
  return row?.settings?.requireMfa === true;
}
