import { and, asc, eq } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

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

const evidenceCols = (t: TenantReadCtx['t']) => ({
  id: t.evidence.id,
  assessmentId: t.evidence.assessmentId,
  questionId: t.evidence.questionId,
  fileName: t.evidence.fileName,
  contentType: t.evidence.contentType,
  size: t.evidence.size,
  sha256: t.evidence.sha256,
  createdAt: t.evidence.createdAt,
});

export function insertEvidence(
  tx: TenantWriteCtx,
  e: Omit<EvidenceRow, 'id' | 'createdAt'>,
  now = new Date(),
): EvidenceRow {
  const row: EvidenceRow = { id: newId(), ...e, createdAt: now };
  tx.write(tx.db.insert(tx.t.evidence).values({ ...row, tenantId: tx.tenantId }));
  return row;
}

export async function listEvidence(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<EvidenceRow[]> {
  if (!isId(assessmentId)) return [];
  return db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.assessmentId, assessmentId)))
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
}
