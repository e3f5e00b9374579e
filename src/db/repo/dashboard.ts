/**
 * The dashboard's counts, each one grouped statement over an indexed tenant prefix, and the two
 * exports' rows. Read-only; the tables belong to their domains (vendors, assessments).
 */
import { and, asc, eq, inArray, lt, type Placeholder, sql } from 'drizzle-orm';
import { preparedRead } from '../prepared.js';
import type { TenantReadCtx } from '../store.js';
import type { Tables } from '../tables.js';

const n = () => sql<number>`count(*)`.mapWith(Number);

// The overview's reads run on every GET /app: built once per database handle (src/db/prepared.ts).
const tiers = preparedRead(['tenantId'], (db, t, p) =>
  db
    .select({ tier: t.vendors.tier, n: n() })
    .from(t.vendors)
    .where(eq(t.vendors.tenantId, p.tenantId))
    .groupBy(t.vendors.tier),
);

export async function vendorsByTier(ctx: TenantReadCtx) {
  return tiers(ctx, { tenantId: ctx.tenantId });
}

const statuses = preparedRead(['tenantId'], (db, t, p) =>
  db
    .select({ status: t.assessments.status, n: n() })
    .from(t.assessments)
    .where(eq(t.assessments.tenantId, p.tenantId))
    .groupBy(t.assessments.status),
);

export async function assessmentsByStatus(ctx: TenantReadCtx) {
  return statuses(ctx, { tenantId: ctx.tenantId });
}

const overdueWhere = (t: Tables, p: { tenantId: Placeholder; today: Placeholder }) =>
  and(
    eq(t.assessments.tenantId, p.tenantId),
    inArray(t.assessments.status, ['sent', 'in_progress']),
    lt(t.assessments.dueDate, p.today as unknown as string),
  );

const overdueCount = preparedRead(['tenantId', 'today'], (db, t, p) =>
  db.select({ n: n() }).from(t.assessments).where(overdueWhere(t, p)),
);

const overdueRows = preparedRead(['tenantId', 'today', 'limit'], (db, t, p) =>
  db
    .select({
      id: t.assessments.id,
      dueDate: t.assessments.dueDate,
      vendorId: t.vendors.id,
      vendorName: t.vendors.name,
    })
    .from(t.assessments)
    .innerJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.assessments.tenantId), eq(t.vendors.id, t.assessments.vendorId)),
    )
    .where(overdueWhere(t, p))
    .orderBy(asc(t.assessments.dueDate), asc(t.assessments.id))
    .limit(p.limit as unknown as number),
);

/** Assessments still with the vendor after their due date: the count, and the most overdue few. */
export async function overdueAssessments(ctx: TenantReadCtx, today: string, limit = 10) {
  const values = { tenantId: ctx.tenantId, today };
  const [count] = await overdueCount(ctx, values);
  const rows = await overdueRows(ctx, { ...values, limit });
  return { count: count?.n ?? 0, rows };
}

/** Every assessment with its vendor and questionnaire, for the export (oldest first, in pages). */
export async function assessmentExportRows({ db, t, tenantId }: TenantReadCtx) {
  return db
    .select({
      id: t.assessments.id,
      vendor: t.vendors.name,
      questionnaire: t.questionnaireVersions.questionnaireId,
      version: t.questionnaireVersions.version,
      status: t.assessments.status,
      dueDate: t.assessments.dueDate,
      sentAt: t.assessments.sentAt,
      submittedAt: t.assessments.submittedAt,
      scorePermille: t.assessments.scorePermille,
      band: t.assessments.band,
      rating: t.assessments.rating,
    })
    .from(t.assessments)
    .innerJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.assessments.tenantId), eq(t.vendors.id, t.assessments.vendorId)),
    )
    .innerJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    .where(eq(t.assessments.tenantId, tenantId))
    .orderBy(asc(t.assessments.createdAt), asc(t.assessments.id))
    .limit(100_000);
}

/** Vendors of the tenant for the register's filter and the manual-risk form (id and name only). */
export async function vendorChoices({ db, t, tenantId }: TenantReadCtx, limit = 500) {
  return db
    .select({ id: t.vendors.id, name: t.vendors.name })
    .from(t.vendors)
    .where(eq(t.vendors.tenantId, tenantId))
    .orderBy(asc(t.vendors.name))
    .limit(limit);
}
