import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import { preparedRead } from '../prepared.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type EvidenceRow = {
  id: string;
  assessmentId: string;
  questionId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The tenant data key the bytes were encrypted under (tenant_keys.id). */
  keyId: string | null;
  /** `vendor:<contact id>` or `user:<id>`. */
  uploadedBy: string | null;
  createdAt: Date;
};

const evidenceCols = (t: TenantReadCtx['t']) => ({
  id: t.evidence.id,
  assessmentId: t.evidence.assessmentId,
  questionId: t.evidence.questionId,
  fileName: t.evidence.fileName,
  contentType: t.evidence.contentType,
  size: t.evidence.size,
  sha256: t.evidence.sha256,
  keyId: t.evidence.keyId,
  uploadedBy: t.evidence.uploadedBy,
  createdAt: t.evidence.createdAt,
});

export function insertEvidence(
  tx: TenantWriteCtx,
  e: Omit<EvidenceRow, 'id' | 'createdAt' | 'keyId' | 'uploadedBy'> &
    Partial<Pick<EvidenceRow, 'keyId' | 'uploadedBy'>>,
  now = new Date(),
): EvidenceRow {
  const row: EvidenceRow = { id: newId(), keyId: null, uploadedBy: null, ...e, createdAt: now };
  tx.write(tx.db.insert(tx.t.evidence).values({ ...row, tenantId: tx.tenantId }));
  return row;
}

/** An assessment's evidence that has not been removed, optionally for one question, oldest first. */
// An assessment's files are read by every portal request and autosave: prepared once (see prepared.ts).
const assessmentEvidence = preparedRead(['tenantId', 'assessmentId'], (db, t, p) =>
  db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, p.tenantId),
        eq(t.evidence.assessmentId, p.assessmentId),
        isNull(t.evidence.deletedAt),
      ),
    )
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id)),
);

export async function listEvidence(
  ctx: TenantReadCtx,
  assessmentId: string,
  questionId?: string,
): Promise<EvidenceRow[]> {
  if (!isId(assessmentId)) return [];
  const { db, t, tenantId } = ctx;
  if (questionId === undefined)
    return (await assessmentEvidence(ctx, { tenantId, assessmentId })) as EvidenceRow[];
  return db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, tenantId),
        eq(t.evidence.assessmentId, assessmentId),
        isNull(t.evidence.deletedAt),
        eq(t.evidence.questionId, questionId),
      ),
    )
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
}

export async function countEvidence(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
  questionId: string,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, tenantId),
        eq(t.evidence.assessmentId, assessmentId),
        eq(t.evidence.questionId, questionId),
        isNull(t.evidence.deletedAt),
      ),
    );
  return Number(row?.n ?? 0);
}

/** One piece of evidence that has not been removed (this tenant's only). */
export async function getEvidence(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<EvidenceRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.id, id), isNull(t.evidence.deletedAt)));
  return row ?? null;
}

export const EVIDENCE_PRESENT = 'evidence-present';

/** Marks evidence removed (kept for the audit trail); guarded, so a second removal fails the unit. */
export function softDeleteEvidence(
  tx: TenantWriteCtx,
  assessmentId: string,
  id: string,
  now = new Date(),
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.evidence)
      .set({ deletedAt: now })
      .where(
        and(
          eq(t.evidence.tenantId, tenantId),
          eq(t.evidence.assessmentId, isId(assessmentId) ? assessmentId : ''),
          eq(t.evidence.id, isId(id) ? id : ''),
          isNull(t.evidence.deletedAt),
        ),
      )
      .returning({ id: t.evidence.id }),
    { guard: EVIDENCE_PRESENT },
  );
}
