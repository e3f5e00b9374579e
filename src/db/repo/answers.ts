import { and, asc, eq, sql } from 'drizzle-orm';
import { isId } from '../ids.js';
import { preparedRead, preparedWrite } from '../prepared.js';
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
  // A cleared answer keeps its row (value null) for its revision; it is no answer.
  for (const r of rows) if (r.value !== null) out[r.key] = r.value;
  return out;
}

/**
 * `answers.updated_by` of an answer a re-assessment copied from the previous one (src/workspace/review.ts):
 * the vendor has not confirmed or changed it yet. Not an id, so it never resolves to a contact.
 */
export const CARRIED_OVER = 'carried-over';

/** One stored answer with what the revision check and a refused write need to show. */
export type AnswerRow = {
  key: string;
  value: unknown;
  revision: number;
  updatedAt: Date;
  /** The contact whose session wrote it, when a vendor did. */
  updatedBy: string | null;
};

// Read by every portal request and every autosave: prepared once (see prepared.ts).
const answerRows = preparedRead(['tenantId', 'assessmentId'], (db, t, p) =>
  db
    .select({
      key: t.answers.key,
      value: t.answers.value,
      revision: t.answers.revision,
      updatedAt: t.answers.updatedAt,
      updatedBy: t.answers.updatedBy,
    })
    .from(t.answers)
    .where(and(eq(t.answers.tenantId, p.tenantId), eq(t.answers.assessmentId, p.assessmentId))),
);

/** Every stored answer row of an assessment, by key (null-prototype). */
export async function loadAnswerRows(
  ctx: TenantReadCtx,
  assessmentId: string,
): Promise<Record<string, AnswerRow>> {
  const out: Record<string, AnswerRow> = Object.create(null);
  if (!isId(assessmentId)) return out;
  const rows = await answerRows(ctx, { tenantId: ctx.tenantId, assessmentId });
  for (const r of rows) out[r.key] = r as AnswerRow;
  return out;
}

/** The guard name of a revision-checked answer write; the key is part of it so the caller knows which one lost. */
export const answerRevisionGuard = (key: string) => `answer-revision:${key}`;

/**
 * Writes one answer only over the revision the writer saw (`seen` = 0: the key had no row then). A
 * stale write changes nothing and the unit fails with `GuardError(answerRevisionGuard(key))`. A cleared
 * answer keeps its row (value null) so its revision keeps counting: deleting it would let a tab that saw
 * revision 1 overwrite a later revision 1 (ABA).
 */
export function saveAnswerAt(
  tx: TenantWriteCtx,
  assessmentId: string,
  key: string,
  value: unknown,
  seen: number,
  by: string | null,
  now: Date,
): void {
  const { db, t, tenantId } = tx;
  const guard = answerRevisionGuard(key);
  if (seen === 0) {
    tx.write(
      db
        .insert(t.answers)
        .values({ tenantId, assessmentId, key, value, revision: 1, updatedBy: by, updatedAt: now })
        .onConflictDoNothing({ target: [t.answers.tenantId, t.answers.assessmentId, t.answers.key] }),
      { guard },
    );
    return;
  }
  if (value !== null && value !== undefined) {
    answerOver(tx, { value, next: seen + 1, by, now, tenantId, assessmentId, key, seen }, { guard });
    return;
  }
  // Clearing writes SQL NULL, which the builder does for a null value (a bound placeholder would
  // store the JSON text 'null').
  tx.write(
    db
      .update(t.answers)
      .set({ value: null, revision: seen + 1, updatedBy: by, updatedAt: now })
      .where(
        and(
          eq(t.answers.tenantId, tenantId),
          eq(t.answers.assessmentId, assessmentId),
          eq(t.answers.key, key),
          eq(t.answers.revision, seen),
        ),
      ),
    { guard },
  );
}

// Every autosave after a key's first runs it: prepared once where the driver allows (prepared.ts).
const answerOver = preparedWrite(
  ['value', 'next', 'by', 'now', 'tenantId', 'assessmentId', 'key', 'seen'],
  (db, t, v) =>
    db
      .update(t.answers)
      .set({
        value: v.value,
        revision: v.next as number,
        updatedBy: v.by as string | null,
        updatedAt: v.now as Date,
      })
      .where(
        and(
          eq(t.answers.tenantId, v.tenantId as string),
          eq(t.answers.assessmentId, v.assessmentId as string),
          eq(t.answers.key, v.key as string),
          eq(t.answers.revision, v.seen as number),
        ),
      ),
);
