/**
 * The workspace overview at /app: vendors by tier, assessments by status, overdue assessments, open
 * risks by rating and the heat map — five grouped reads over indexed prefixes, in one read unit.
 */
import { assessmentsByStatus, overdueAssessments, vendorsByTier } from '../db/repo/dashboard.js';
import { countsByStatus, expiredAccepted } from '../db/repo/risks.js';
import type { TenantReadCtx } from '../db/store.js';
import { ASSESSMENT_STATUSES, RISK_STATUSES } from '../db/tables.js';
import { reopenListed, today } from './acceptance.js';
import { type HeatMap, readHeatMap } from './charts.js';
import type { TenantScope } from './treatment.js';

export const TIERS = ['critical', 'high', 'medium', 'low'] as const;

export interface Dashboard {
  vendorsByTier: { tier: string; n: number }[];
  vendors: number;
  assessmentsByStatus: { status: string; n: number }[];
  assessments: number;
  overdue: Awaited<ReturnType<typeof overdueAssessments>>;
  risksByStatus: { status: string; n: number }[];
  heat: HeatMap;
}

export async function readDashboard(ctx: TenantReadCtx, today: string): Promise<Dashboard> {
  const [tiers, statuses, overdue, risks, heat] = await Promise.all([
    vendorsByTier(ctx),
    assessmentsByStatus(ctx),
    overdueAssessments(ctx, today),
    countsByStatus(ctx),
    readHeatMap(ctx),
  ]);
  const tierMap = new Map(tiers.map((r) => [r.tier as string, r.n]));
  const statusMap = new Map(statuses.map((r) => [r.status as string, r.n]));
  const riskMap = new Map(risks.map((r) => [r.status as string, r.n]));
  const vendorsRows = TIERS.map((tier) => ({ tier, n: tierMap.get(tier) ?? 0 }));
  const assessmentRows = ASSESSMENT_STATUSES.map((status) => ({ status, n: statusMap.get(status) ?? 0 }));
  return {
    vendorsByTier: vendorsRows,
    vendors: vendorsRows.reduce((a, r) => a + r.n, 0),
    assessmentsByStatus: assessmentRows,
    assessments: assessmentRows.reduce((a, r) => a + r.n, 0),
    overdue,
    risksByStatus: RISK_STATUSES.map((status) => ({ status, n: riskMap.get(status) ?? 0 })),
    heat,
  };
}

/**
 * The overview as of `now`. An acceptance that ended yesterday re-opens its risk before the counts are
 * read (src/risk/acceptance.ts): the expired acceptances are looked up in the same read unit as the
 * counts (one unit per page, not two), and only when there are some are they re-opened and the counts
 * read again.
 */
export async function currentDashboard(scope: TenantScope, now: Date): Promise<Dashboard> {
  const day = today(now);
  const first = await scope.read(async (ctx) => {
    const due = await expiredAccepted(ctx, day);
    return due.length ? { due } : { dashboard: await readDashboard(ctx, day) };
  });
  if (first.dashboard) return first.dashboard;
  await reopenListed(scope, first.due, now);
  return scope.read((ctx) => readDashboard(ctx, day));
}
