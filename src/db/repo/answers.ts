import { and, asc, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantCtx } from '../store.js';

/** Saves one answer key (autosave writes one key at a time); null deletes the answer. */
export async function saveAnswer(
  { db, t, tenantId }: TenantCtx,
  assessmentId: string,
  key: string,
  value: unknown,
): Promise<void> {
  const now = new Date();
  if (value === null || value === undefined) {
    await db
      .delete(t.answers)
      .where(
        and(
          eq(t.answers.tenantId, tenantId),
          eq(t.answers.assessmentId, assessmentId),
          eq(t.answers.key, key),
        ),
      );
    return;
  }
  await db
    .insert(t.answers)
    .values({ tenantId, assessmentId, key, value, updatedAt: now })
    .onConflictDoUpdate({
      target: [t.answers.tenantId, t.answers.assessmentId, t.answers.key],
      set: { value, updatedAt: now },
    });
}

/** All answers of an assessment as the plain key → value map the questionnaire engine takes. */
export async function loadAnswers(
  { db, t, tenantId }: TenantCtx,
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

export type EvidenceRow = {
  id: string;
  assessmentId: string;
  questionId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: Date;
};

const evidenceCols = (t: TenantCtx['t']) => ({
  id: t.evidence.id,
  assessmentId: t.evidence.assessmentId,
  questionId: t.evidence.questionId,
  fileName: t.evidence.fileName,
  contentType: t.evidence.contentType,
  size: t.evidence.size,
  sha256: t.evidence.sha256,
  createdAt: t.evidence.createdAt,
});

export async function insertEvidence(
  { db, t, tenantId }: TenantCtx,
  e: Omit<EvidenceRow, 'id' | 'createdAt'>,
): Promise<EvidenceRow> {
  const [row] = await db
    .insert(t.evidence)
    .values({ ...e, tenantId })
    .returning(evidenceCols(t));
  return row!;
}

export async function listEvidence(
  { db, t, tenantId }: TenantCtx,
  assessmentId: string,
): Promise<EvidenceRow[]> {
  if (!isId(assessmentId)) return [];
  return db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.assessmentId, assessmentId)))
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
}
