import { and, asc, eq } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type HoldTarget = 'vendor' | 'assessment';

export type LegalHoldRow = {
  id: string;
  targetType: HoldTarget;
  targetId: string;
  reference: string | null;
  placedBy: string;
  createdAt: Date;
};

export async function listLegalHolds({ db, t, tenantId }: TenantReadCtx): Promise<LegalHoldRow[]> {
  return (await db
    .select({
      id: t.legalHolds.id,
      targetType: t.legalHolds.targetType,
      targetId: t.legalHolds.targetId,
      reference: t.legalHolds.reference,
      placedBy: t.legalHolds.placedBy,
      createdAt: t.legalHolds.createdAt,
    })
    .from(t.legalHolds)
    .where(eq(t.legalHolds.tenantId, tenantId))
    .orderBy(asc(t.legalHolds.createdAt), asc(t.legalHolds.id))) as LegalHoldRow[];
}

export const HOLD_NEW = 'legal-hold-new';
export const HOLD_PRESENT = 'legal-hold-present';

/** Places a hold; guarded on the target having none yet (the unique key): a second one fails the unit. */
export function insertLegalHold(
  tx: TenantWriteCtx,
  h: { targetType: HoldTarget; targetId: string; reference: string | null; placedBy: string },
  now = new Date(),
): { id: string; written: Written<{ id: string }> } {
  const id = newId();
  const written = tx.write<{ id: string }>(
    tx.db
      .insert(tx.t.legalHolds)
      .values({ id, tenantId: tx.tenantId, ...h, createdAt: now })
      .onConflictDoNothing({
        target: [tx.t.legalHolds.tenantId, tx.t.legalHolds.targetType, tx.t.legalHolds.targetId],
      })
      .returning({ id: tx.t.legalHolds.id }),
    { guard: HOLD_NEW },
  );
  return { id, written };
}

export async function getLegalHold(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<LegalHoldRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({
      id: t.legalHolds.id,
      targetType: t.legalHolds.targetType,
      targetId: t.legalHolds.targetId,
      reference: t.legalHolds.reference,
      placedBy: t.legalHolds.placedBy,
      createdAt: t.legalHolds.createdAt,
    })
    .from(t.legalHolds)
    .where(and(eq(t.legalHolds.tenantId, tenantId), eq(t.legalHolds.id, id)));
  return (row as LegalHoldRow | undefined) ?? null;
}

/** Releases a hold (deletes its row); guarded, so releasing twice fails the unit. */
export function deleteLegalHold(tx: TenantWriteCtx, id: string): Written<{ id: string }> {
  return tx.write<{ id: string }>(
    tx.db
      .delete(tx.t.legalHolds)
      .where(and(eq(tx.t.legalHolds.tenantId, tx.tenantId), eq(tx.t.legalHolds.id, isId(id) ? id : '')))
      .returning({ id: tx.t.legalHolds.id }),
    { guard: HOLD_PRESENT },
  );
}
