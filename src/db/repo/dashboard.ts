/**
 * The dashboard's counts (one statement of grouped scans over covering indexes), its overdue list, and
 * the two exports' rows. Read-only; the tables belong to their domains (vendors, assessments).
 */
import { and, asc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import { preparedRawRead, preparedRead } from '../prepared.js';
import type { TenantReadCtx } from '../store.js';

/**
 * Every count of the dashboard in one statement: vendors by tier, assessments by status (with how many of
 * them are overdue: still with the vendor after their due date), risks by (status, likelihood, impact) — the
 * heat map and the counts by status both follow from those cells — and accepted risks whose acceptance
 * ended before `today`. Each branch is one grouped scan of a covering index over the tenant's prefix
 * (vendors_tenant_tier_name_idx, assessments_status_due_idx, risks_cells_idx): no table row is read.
 */
export interface DashboardCounts {
  tiers: { tier: string; n: number }[];
  assessments: { status: string; n: number; overdue: number }[];
  cells: { status: string; likelihood: number; impact: number; n: number }[];
  /** Accepted risks past their last day: the caller re-opens them and reads again. */
  expiredAcceptances: number;
  /** Vendors not offboarded, by when they are next reviewed. */
  reviews: { overdue: number; soon: number; none: number };
}

interface CountRow {
  kind: 'tier' | 'assessment' | 'risk' | 'review';
  k: string;
  l: number | null;
  i: number | null;
  n: number | string;
  m: number | string;
}

/** The statement of {@link dashboardCounts}, prepared once per database handle. */
const countRows = preparedRawRead<CountRow, 'tenantId' | 'today' | 'horizon'>(
  ['tenantId', 'today', 'horizon'],
  (t, p) => {
    const v = t.vendors;
    const a = t.assessments;
    const r = t.risks;
    return sql`select 'tier' as kind, ${v.tier} as k, cast(null as integer) as l, cast(null as integer) as i,
      count(*) as n, 0 as m
      from ${v} where ${v.tenantId} = ${p.tenantId} group by ${v.tier}
    union all
    select 'assessment', ${a.status}, null, null, count(*),
      count(*) filter (where ${a.status} in ('sent', 'in_progress') and ${a.dueDate} < ${p.today})
      from ${a} where ${a.tenantId} = ${p.tenantId} group by ${a.status}
    union all
    select 'risk', ${r.status}, ${r.likelihood}, ${r.impact}, count(*),
      count(*) filter (where ${r.status} = 'accepted' and ${r.acceptedUntil} < ${p.today})
      from ${r} where ${r.tenantId} = ${p.tenantId} group by ${r.status}, ${r.likelihood}, ${r.impact}
    union all
    select 'review', w.k, null, null, count(*), 0 from (
      select case when ${v.nextReviewDate} is null then 'none' when ${v.nextReviewDate} < ${p.today} then 'overdue'
        when ${v.nextReviewDate} <= ${p.horizon} then 'soon' else 'later' end as k
      from ${v} where ${v.tenantId} = ${p.tenantId} and ${v.status} <> 'offboarded') w group by w.k`;
  },
);

/** How far ahead a vendor review counts as coming up on the dashboard. */
export const REVIEW_HORIZON_DAYS = 30;

const daysAfter = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export async function dashboardCounts(ctx: TenantReadCtx, today: string): Promise<DashboardCounts> {
  // count() is a bigint on PostgreSQL (a string from the driver): Number() below.
  const horizon = daysAfter(today, REVIEW_HORIZON_DAYS);
  const rows = await countRows(ctx, { tenantId: ctx.tenantId, today, horizon });
  const out: DashboardCounts = {
    tiers: [],
    assessments: [],
    cells: [],
    expiredAcceptances: 0,
    reviews: { overdue: 0, soon: 0, none: 0 },
  };
  for (const row of rows) {
    const n = Number(row.n);
    if (row.kind === 'tier') out.tiers.push({ tier: row.k, n });
    else if (row.kind === 'review') {
      if (row.k === 'overdue' || row.k === 'soon' || row.k === 'none') out.reviews[row.k] = n;
    } else if (row.kind === 'assessment') out.assessments.push({ status: row.k, n, overdue: Number(row.m) });
    else {
      out.cells.push({ status: row.k, likelihood: Number(row.l), impact: Number(row.i), n });
      out.expiredAcceptances += Number(row.m);
    }
  }
  return out;
}

/** The statement of {@link overdueAssessments}, prepared once per database handle. */
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
    .where(
      and(
        eq(t.assessments.tenantId, p.tenantId),
        inArray(t.assessments.status, ['sent', 'in_progress']),
        lt(t.assessments.dueDate, p.today),
      ),
    )
    .orderBy(asc(t.assessments.dueDate), asc(t.assessments.id))
    .limit(p.limit),
);

/** The most overdue assessments (still with the vendor after their due date), with their vendor. */
export async function overdueAssessments(ctx: TenantReadCtx, today: string, limit = 10) {
  return overdueRows(ctx, { tenantId: ctx.tenantId, today, limit });
}

/** The statement of {@link dueReviews}, prepared once per database handle (vendors_tenant_review_idx). */
const dueReviewRows = preparedRead(['tenantId', 'horizon', 'limit'], (db, t, p) =>
  db
    .select({ id: t.vendors.id, name: t.vendors.name, nextReviewDate: t.vendors.nextReviewDate })
    .from(t.vendors)
    .where(
      and(
        eq(t.vendors.tenantId, p.tenantId),
        lte(t.vendors.nextReviewDate, p.horizon),
        ne(t.vendors.status, 'offboarded'),
      ),
    )
    .orderBy(asc(t.vendors.nextReviewDate), asc(t.vendors.id))
    .limit(p.limit),
);

/** The vendors whose review is overdue or comes up within {@link REVIEW_HORIZON_DAYS}, the earliest first. */
export async function dueReviews(ctx: TenantReadCtx, today: string, limit = 5) {
  return dueReviewRows(ctx, {
    tenantId: ctx.tenantId,
    horizon: daysAfter(today, REVIEW_HORIZON_DAYS),
    limit,
  });
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
