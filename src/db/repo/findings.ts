import { and, asc, eq } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

export type FindingInput = {
  findingKey: string;
  questionId: string;
  title: string;
  remediation: string;
  likelihood: number;
  impact: number;
  rating: string;
  dueDate: string | null;
  controls: string[];
};

/** Records the findings an assessment raised; idempotent per (assessment, finding id). Returns the row ids, in order. */
export function recordFindings(
  tx: TenantWriteCtx,
  assessmentId: string,
  vendorId: string,
  findings: FindingInput[],
  now = new Date(),
): string[] {
  const { db, t, tenantId } = tx;
  const ids: string[] = [];
  for (const f of findings) {
    const id = newId();
    ids.push(id);
    tx.write(
      db
        .insert(t.findings)
        .values({ ...f, id, tenantId, assessmentId, vendorId, createdAt: now })
        .onConflictDoNothing({
          target: [t.findings.tenantId, t.findings.assessmentId, t.findings.findingKey],
        }),
    );
  }
  return ids;
}

/**
 * A resubmission's findings replace the earlier submission's: the assessment's rows are deleted and the
 * new ones written in the same unit (one finding row per (assessment, finding id) still holds).
 */
export function replaceFindings(
  tx: TenantWriteCtx,
  assessmentId: string,
  vendorId: string,
  findings: FindingInput[],
  now = new Date(),
): string[] {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .delete(t.findings)
      .where(and(eq(t.findings.tenantId, tenantId), eq(t.findings.assessmentId, assessmentId))),
  );
  return recordFindings(tx, assessmentId, vendorId, findings, now);
}

export async function listFindings({ db, t, tenantId }: TenantReadCtx, assessmentId: string) {
  if (!isId(assessmentId)) return [];
  return db
    .select()
    .from(t.findings)
    .where(and(eq(t.findings.tenantId, tenantId), eq(t.findings.assessmentId, assessmentId)))
    .orderBy(asc(t.findings.findingKey));
}
