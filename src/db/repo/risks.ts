import { and, asc, eq } from 'drizzle-orm';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';
import type { FindingInput } from './findings.js';

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

const riskCols = (t: TenantReadCtx['t']) => ({
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
export function upsertRiskFromFinding(
  tx: TenantWriteCtx,
  vendorId: string,
  f: FindingInput,
  now = new Date(),
): Written<RiskRow> {
  const { db, t, tenantId } = tx;
  return tx.write<RiskRow>(
    db
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
      .returning(riskCols(t)),
  );
}

export async function listRisks({ db, t, tenantId }: TenantReadCtx, vendorId?: string): Promise<RiskRow[]> {
  const where = vendorId
    ? and(eq(t.risks.tenantId, tenantId), eq(t.risks.vendorId, vendorId))
    : eq(t.risks.tenantId, tenantId);
  return db
    .select(riskCols(t))
    .from(t.risks)
    .where(where)
    .orderBy(asc(t.risks.vendorId), asc(t.risks.findingKey));
}
