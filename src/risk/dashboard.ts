/**
 * The workspace overview at /app: vendors by tier, assessments by status, overdue assessments, vendor
 * reviews coming up, risks by status and the heat map. One statement of grouped counts (dashboardCounts),
 * and only when some assessment is overdue, or some review due, one more for the first few of them.
 */
import {
  type DashboardCounts,
  dashboardCounts,
  dueReviews,
  overdueAssessments,
  REVIEW_HORIZON_DAYS,
} from '../db/repo/dashboard.js';
import type { TenantReadCtx } from '../db/store.js';
import { ASSESSMENT_STATUSES, RISK_STATUSES } from '../db/tables.js';
import { type HeatMap, heatMapOf } from './charts.js';

export const TIERS = ['critical', 'high', 'medium', 'low'] as const;

export interface Dashboard {
  vendorsByTier: { tier: string; n: number }[];
  vendors: number;
  assessmentsByStatus: { status: string; n: number }[];
  assessments: number;
  overdue: { count: number; rows: Awaited<ReturnType<typeof overdueAssessments>> };
  risksByStatus: { status: string; n: number }[];
  heat: HeatMap;
  /** Accepted risks past their last day, not yet re-opened: the route re-opens them and reads again. */
  expiredAcceptances: number;
  /** Vendor reviews: overdue, due within `horizonDays`, not planned; the earliest few that are due. */
  reviews: {
    overdue: number;
    soon: number;
    none: number;
    horizonDays: number;
    rows: Awaited<ReturnType<typeof dueReviews>>;
  };
}

/**
 * What the dashboard is made of, as read: the grouped counts and the first few overdue assessments and due
 * reviews. Plain data and small, so the page can be kept on it (`renderMemoOf`); {@link dashboardOf} makes
 * the page's figures from it.
 */
export interface DashboardInput {
  counts: DashboardCounts;
  overdueRows: Dashboard['overdue']['rows'];
  reviewRows: Dashboard['reviews']['rows'];
}

export async function readDashboardInput(ctx: TenantReadCtx, today: string): Promise<DashboardInput> {
  const counts = await dashboardCounts(ctx, today);
  const overdueCount = counts.assessments.reduce((a, r) => a + r.overdue, 0);
  const overdueRows = overdueCount > 0 ? await overdueAssessments(ctx, today) : [];
  const { reviews } = counts;
  const reviewRows = reviews.overdue + reviews.soon > 0 ? await dueReviews(ctx, today) : [];
  return { counts, overdueRows, reviewRows };
}

/** The dashboard's figures from what {@link readDashboardInput} read: a pure function of `input`. */
export function dashboardOf(input: DashboardInput): Dashboard {
  const { counts, overdueRows, reviewRows } = input;
  const overdueCount = counts.assessments.reduce((a, r) => a + r.overdue, 0);
  const tierMap = new Map(counts.tiers.map((r) => [r.tier, r.n]));
  const statusMap = new Map(counts.assessments.map((r) => [r.status, r.n]));
  const riskMap = new Map<string, number>();
  for (const c of counts.cells) riskMap.set(c.status, (riskMap.get(c.status) ?? 0) + c.n);
  const vendorsRows = TIERS.map((tier) => ({ tier, n: tierMap.get(tier) ?? 0 }));
  const assessmentRows = ASSESSMENT_STATUSES.map((status) => ({ status, n: statusMap.get(status) ?? 0 }));
  // The heat map is of the risks that are not closed; the cells of several statuses add up.
  const open = new Map<string, { likelihood: number; impact: number; n: number }>();
  for (const c of counts.cells) {
    if (c.status === 'closed') continue;
    const key = `${c.likelihood}:${c.impact}`;
    const cell = open.get(key) ?? { likelihood: c.likelihood, impact: c.impact, n: 0 };
    cell.n += c.n;
    open.set(key, cell);
  }
  return {
    vendorsByTier: vendorsRows,
    vendors: vendorsRows.reduce((a, r) => a + r.n, 0),
    assessmentsByStatus: assessmentRows,
    assessments: assessmentRows.reduce((a, r) => a + r.n, 0),
    overdue: { count: overdueCount, rows: overdueRows },
    risksByStatus: RISK_STATUSES.map((status) => ({ status, n: riskMap.get(status) ?? 0 })),
    heat: heatMapOf([...open.values()]),
    expiredAcceptances: counts.expiredAcceptances,
    reviews: { ...counts.reviews, horizonDays: REVIEW_HORIZON_DAYS, rows: reviewRows },
  };
}

export async function readDashboard(ctx: TenantReadCtx, today: string): Promise<Dashboard> {
  return dashboardOf(await readDashboardInput(ctx, today));
}
