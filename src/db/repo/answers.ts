import { and, asc, eq, sql } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

/** Saves one answer key (autosave writes one key at a time); null deletes the answer. */
export function saveAnswer(
  tx: TenantWriteCtx,
  assessmentId: string,
  key: string,
  value: unknown,
  now = new Date(),
): void {
  const { db, t, tenantId } = tx;
  if (value === null || value === undefined) {
    tx.write(
      db
        .delete(t.answers)
        .where(
          and(
            eq(t.answers.tenantId, tenantId),
            eq(t.answers.assessmentId, assessmentId),
            eq(t.answers.key, key),
          ),
        ),
    );
    return;
  }
  tx.write(
    db
      .insert(t.answers)
      .values({ tenantId, assessmentId, key, value, updatedAt: now })
      .onConflictDoUpdate({
        target: [t.answers.tenantId, t.answers.assessmentId, t.answers.key],
        set: { value, updatedAt: now, revision: sql`${t.answers.revision} + 1` },
      }),
  );
}

/** All answers of an assessment as the plain key → value map the questionnaire engine takes. */
export async function loadAnswers(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<Record<string, unknown>> {
  if (!isId(assessmentId)) return {};
  const rows = await db
    .select({ key: t.answers.key, value: t.answers.value })
    .from(t.answers)
    .where(and(eq(t.answers.tenantId, tenantId), eq(t.answers.assessmentId, assessmentId)))
    .orderBy(asc(t.answers.key));
  const out: Record<string, unknown> = Object.create(null);
  for (const r of rows) out[r.key] = r.value;
  return out;
}
