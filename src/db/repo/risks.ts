import { and, asc, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantCtx } from '../store.js';

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

/** Records the findings an assessment raised; idempotent per (assessment, finding id). */
export async function recordFindings(
  { db, t, tenantId }: TenantCtx,
  assessmentId: string,
  vendorId: string,
  findings: FindingInput[],
): Promise<void> {
  for (const f of findings) {
    await db
      .insert(t.findings)
      .values({ ...f, tenantId, assessmentId, vendorId })
      .onConflictDoNothing({ target: [t.findings.tenantId, t.findings.assessmentId, t.findings.findingKey] });
  }
}

export async function listFindings({ db, t, tenantId }: TenantCtx, assessmentId: string) {
  if (!isId(assessmentId)) return [];
  return db
    .select()
    .from(t.findings)
    .where(and(eq(t.findings.tenantId, tenantId), eq(t.findings.assessmentId, assessmentId)))
    .orderBy(asc(t.findings.findingKey));
}

export type RiskRow = {
  id: string;
  vendorId: string;
  findingKey: string;
  title: string;
  likelihood: number;
  impact: number;
  inherentRating: string;
  status: 'open' | 'in_treatment' | 'accepted' | 'closed';
  dueDate: string | null;
};

const riskCols = (t: TenantCtx['t']) => ({
  id: t.risks.id,
  vendorId: t.risks.vendorId,
  findingKey: t.risks.findingKey,
  title: t.risks.title,
  likelihood: t.risks.likelihood,
  impact: t.risks.impact,
  inherentRating: t.risks.inherentRating,
  status: t.risks.status,
  dueDate: t.risks.dueDate,
});

/** One risk per (vendor, finding): created, or updated in place when a later assessment raises it again. */
export async function upsertRiskFromFinding(
  { db, t, tenantId }: TenantCtx,
  vendorId: string,
  f: FindingInput,
): Promise<RiskRow> {
  const now = new Date();
  const [row] = await db
    .insert(t.risks)
    .values({
      tenantId,
      vendorId,
      findingKey: f.findingKey,
      title: f.title,
      likelihood: f.likelihood,
      impact: f.impact,
      inherentRating: f.rating,
      dueDate: f.dueDate,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [t.risks.tenantId, t.risks.vendorId, t.risks.findingKey],
      set: {
        title: f.title,
        likelihood: f.likelihood,
        impact: f.impact,
        inherentRating: f.rating,
        updatedAt: now,
      },
    })
    .returning(riskCols(t));
  return row!;
}

export async function listRisks({ db, t, tenantId }: TenantCtx, vendorId?: string): Promise<RiskRow[]> {
  const where = vendorId
    ? and(eq(t.risks.tenantId, tenantId), eq(t.risks.vendorId, vendorId))
    : eq(t.risks.tenantId, tenantId);
  return db
    .select(riskCols(t))
    .from(t.risks)
    .where(where)
    .orderBy(asc(t.risks.vendorId), asc(t.risks.findingKey));
}
