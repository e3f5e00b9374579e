import { and, asc, desc, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantCtx } from '../store.js';
import type { ASSESSMENT_STATUSES } from '../tables.js';

export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
export type Assessment = {
  id: string;
  tenantId: string;
  vendorId: string;
  contactId: string;
  questionnaireVersionId: string;
  status: AssessmentStatus;
  dueDate: string | null;
  otpRequired: boolean;
  createdBy: string | null;
  scorePermille: number | null;
  band: string | null;
  answersHash: string | null;
  sentAt: Date | null;
  submittedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type NewAssessment = {
  vendorId: string;
  contactId: string;
  questionnaireVersionId: string;
  dueDate?: string | null;
  otpRequired?: boolean;
  createdBy?: string | null;
};

export async function insertAssessment(
  { db, t, tenantId }: TenantCtx,
  a: NewAssessment,
): Promise<Assessment> {
  const now = new Date();
  const [row] = await db
    .insert(t.assessments)
    .values({ ...a, tenantId, createdAt: now, updatedAt: now })
    .returning();
  return row as Assessment;
}

export async function getAssessment({ db, t, tenantId }: TenantCtx, id: string): Promise<Assessment | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(t.assessments)
    .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.id, id)));
  return (row as Assessment | undefined) ?? null;
}

export async function listAssessments(
  { db, t, tenantId }: TenantCtx,
  vendorId?: string,
): Promise<Assessment[]> {
  const where = vendorId
    ? and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.vendorId, vendorId))
    : eq(t.assessments.tenantId, tenantId);
  return (await db
    .select()
    .from(t.assessments)
    .where(where)
    .orderBy(desc(t.assessments.createdAt), asc(t.assessments.id))) as Assessment[];
}

/**
 * Moves an assessment from one status to the next, only if it is still in `from`: the conditional
 * UPDATE makes transitions such as submission exactly-once under concurrency.
 */
export async function transitionAssessment(
  { db, t, tenantId }: TenantCtx,
  id: string,
  from: AssessmentStatus[],
  to: AssessmentStatus,
  patch: Partial<Pick<Assessment, 'scorePermille' | 'band' | 'answersHash' | 'sentAt' | 'submittedAt'>> = {},
): Promise<Assessment | null> {
  if (!isId(id) || from.length === 0) return null;
  const rows = await db
    .select({ status: t.assessments.status })
    .from(t.assessments)
    .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.id, id)));
  const current = rows[0]?.status;
  if (!current || !from.includes(current)) return null;
  const [row] = await db
    .update(t.assessments)
    .set({ ...patch, status: to, updatedAt: new Date() })
    .where(
      and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.id, id), eq(t.assessments.status, current)),
    )
    .returning();
  return (row as Assessment | undefined) ?? null;
}
