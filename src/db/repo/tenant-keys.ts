import { and, asc, eq, isNull } from 'drizzle-orm';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type TenantKeyRow = {
  id: string;
  purpose: 'data';
  wrapped: string;
  createdAt: Date;
  destroyedAt: Date | null;
};

/** The tenant's live data keys, oldest first (the first is the one new data is encrypted under). */
export async function listDataKeys({ db, t, tenantId }: TenantReadCtx): Promise<TenantKeyRow[]> {
  return (await db
    .select()
    .from(t.tenantKeys)
    .where(
      and(
        eq(t.tenantKeys.tenantId, tenantId),
        eq(t.tenantKeys.purpose, 'data'),
        isNull(t.tenantKeys.destroyedAt),
      ),
    )
    .orderBy(asc(t.tenantKeys.createdAt), asc(t.tenantKeys.id))) as TenantKeyRow[];
}

export async function getDataKey(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<TenantKeyRow | null> {
  const [row] = await db
    .select()
    .from(t.tenantKeys)
    .where(
      and(eq(t.tenantKeys.tenantId, tenantId), eq(t.tenantKeys.id, id), isNull(t.tenantKeys.destroyedAt)),
    );
  return (row as TenantKeyRow | undefined) ?? null;
}

/**
 * Inserts a data key under an id every process derives alike for this tenant (src/evidence/data-keys.ts),
 * so two first uploads racing each other collide on the primary key: the second insert does nothing and
 * both go on with the one stored key.
 */
export function insertDataKeyOnce(
  tx: TenantWriteCtx,
  k: { id: string; wrapped: string },
  now = new Date(),
): Written<{ id: string }> {
  return tx.write<{ id: string }>(
    tx.db
      .insert(tx.t.tenantKeys)
      .values({ id: k.id, tenantId: tx.tenantId, purpose: 'data', wrapped: k.wrapped, createdAt: now })
      .onConflictDoNothing({ target: tx.t.tenantKeys.id })
      .returning({ id: tx.t.tenantKeys.id }),
  );
}
