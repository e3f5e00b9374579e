/**
 * Reviewer notes and change requests (the `review_notes` table). Notes are internal to the tenant's
 * team; open change requests are what the vendor sees next to the questions they name.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

export type ReviewNoteKind = 'note' | 'change_request';
export type ReviewNote = {
  id: string;
  assessmentId: string;
  questionId: string | null;
  kind: ReviewNoteKind;
  body: string;
  authorUserId: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
};

const cols = (t: TenantReadCtx['t']) => ({
  id: t.reviewNotes.id,
  assessmentId: t.reviewNotes.assessmentId,
  questionId: t.reviewNotes.questionId,
  kind: t.reviewNotes.kind,
  body: t.reviewNotes.body,
  authorUserId: t.reviewNotes.authorUserId,
  createdAt: t.reviewNotes.createdAt,
  resolvedAt: t.reviewNotes.resolvedAt,
});

export function insertReviewNote(
  tx: TenantWriteCtx,
  n: {
    assessmentId: string;
    questionId: string | null;
    kind: ReviewNoteKind;
    body: string;
    authorUserId: string;
  },
  now: Date,
): ReviewNote {
  const row: ReviewNote = { id: newId(), ...n, createdAt: now, resolvedAt: null };
  tx.write(tx.db.insert(tx.t.reviewNotes).values({ ...row, tenantId: tx.tenantId }));
  return row;
}

/** Every note and change request of an assessment, oldest first. */
export async function listReviewNotes(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<ReviewNote[]> {
  if (!isId(assessmentId)) return [];
  return (await db
    .select(cols(t))
    .from(t.reviewNotes)
    .where(and(eq(t.reviewNotes.tenantId, tenantId), eq(t.reviewNotes.assessmentId, assessmentId)))
    .orderBy(asc(t.reviewNotes.createdAt), asc(t.reviewNotes.id))) as ReviewNote[];
}

/**
 * The open change requests of an assessment: what the vendor portal shows. Selects only change requests
 * (never a note: notes are internal), so the portal cannot show a note by mistake.
 */
export async function openChangeRequests(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<Array<{ id: string; questionId: string | null; body: string; createdAt: Date }>> {
  if (!isId(assessmentId)) return [];
  return db
    .select({
      id: t.reviewNotes.id,
      questionId: t.reviewNotes.questionId,
      body: t.reviewNotes.body,
      createdAt: t.reviewNotes.createdAt,
    })
    .from(t.reviewNotes)
    .where(
      and(
        eq(t.reviewNotes.tenantId, tenantId),
        eq(t.reviewNotes.assessmentId, assessmentId),
        eq(t.reviewNotes.kind, 'change_request'),
        isNull(t.reviewNotes.resolvedAt),
      ),
    )
    .orderBy(asc(t.reviewNotes.createdAt), asc(t.reviewNotes.id));
}

/** A resubmission answers every open change request of the assessment. */
export function resolveChangeRequests(tx: TenantWriteCtx, assessmentId: string, now: Date): void {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .update(t.reviewNotes)
      .set({ resolvedAt: now })
      .where(
        and(
          eq(t.reviewNotes.tenantId, tenantId),
          eq(t.reviewNotes.assessmentId, assessmentId),
          eq(t.reviewNotes.kind, 'change_request'),
          isNull(t.reviewNotes.resolvedAt),
        ),
      ),
  );
}
