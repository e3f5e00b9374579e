/**
 * The heat map and the trend chart as data for inline SVG rendered on the server (views/workspace/
 * risk-heatmap.eta, risk-trend.eta): no script, no external service; each chart has a title, a
 * description that states what it shows in words, and a table with the same numbers.
 */
import { countsByStatus, heatCells, openByScoreAt } from '../db/repo/risks.js';
import { getVendor } from '../db/repo/vendors.js';
import type { TenantReadCtx } from '../db/store.js';
import {
  IMPACT_LABELS,
  LIKELIHOOD_LABELS,
  RATING_LABELS,
  RATINGS,
  type Rating,
  rate,
  ratingOfScore,
} from './scale.js';

export interface HeatCell {
  likelihood: number;
  impact: number;
  count: number;
  rating: Rating;
  x: number;
  y: number;
}

export interface HeatMap {
  /** rows[0] is likelihood 5 (the top row), columns impact 1..5. */
  rows: HeatCell[][];
  total: number;
  byRating: Record<Rating, number>;
  likelihoodLabels: readonly string[];
  impactLabels: readonly string[];
  summary: string;
  cell: number;
  offset: { x: number; y: number };
}

const CELL = 56;

export function heatMapOf(cells: readonly { likelihood: number; impact: number; n: number }[]): HeatMap {
  const counts = new Map(cells.map((c) => [`${c.likelihood}:${c.impact}`, c.n]));
  const byRating: Record<Rating, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const rows: HeatCell[][] = [];
  let total = 0;
  for (let l = 5; l >= 1; l--) {
    const row: HeatCell[] = [];
    for (let i = 1; i <= 5; i++) {
      const count = counts.get(`${l}:${i}`) ?? 0;
      const { rating } = rate(l, i);
      byRating[rating] += count;
      total += count;
      row.push({ likelihood: l, impact: i, count, rating, x: 120 + (i - 1) * CELL, y: 10 + (5 - l) * CELL });
    }
    rows.push(row);
  }
  const summary =
    total === 0
      ? 'No open risks.'
      : `${total} open ${total === 1 ? 'risk' : 'risks'}: ${RATINGS.slice()
          .reverse()
          .map((r) => `${byRating[r]} ${RATING_LABELS[r].toLowerCase()}`)
          .join(', ')}.`;
  return {
    rows,
    total,
    byRating,
    likelihoodLabels: LIKELIHOOD_LABELS,
    impactLabels: IMPACT_LABELS,
    summary,
    cell: CELL,
    offset: { x: 120, y: 10 },
  };
}

export async function readHeatMap(ctx: TenantReadCtx, vendorId?: string): Promise<HeatMap> {
  return heatMapOf(await heatCells(ctx, vendorId));
}

export interface TrendChart {
  days: string[];
  series: { rating: Rating; label: string; counts: number[]; points: string }[];
  max: number;
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  ticks: { y: number; value: number }[];
  xLabels: { x: number; text: string }[];
  summary: string;
}

/** Open risks by rating at the end of each of the last `weeks` weeks (today last). */
export async function readTrend(ctx: TenantReadCtx, now: Date, weeks = 12): Promise<TrendChart> {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23, 59, 59, 999);
  const instants = Array.from({ length: weeks }, (_, i) => new Date(end - (weeks - 1 - i) * 7 * 86_400_000));
  const rows = await openByScoreAt(ctx, instants);
  const byRating: Record<Rating, number[]> = {
    low: instants.map(() => 0),
    medium: instants.map(() => 0),
    high: instants.map(() => 0),
    critical: instants.map(() => 0),
  };
  for (const r of rows) {
    const rating = ratingOfScore(r.score);
    r.counts.forEach((n, i) => {
      byRating[rating][i]! += n;
    });
  }
  return trendOf(
    instants.map((d) => d.toISOString().slice(0, 10)),
    byRating,
  );
}

export function trendOf(days: string[], byRating: Record<Rating, number[]>): TrendChart {
  const width = 640;
  const height = 260;
  const plot = { left: 48, top: 16, width: 560, height: 190 };
  const max = Math.max(1, ...RATINGS.flatMap((r) => byRating[r]));
  const step = days.length > 1 ? plot.width / (days.length - 1) : 0;
  const x = (i: number) => Math.round(plot.left + i * step);
  const y = (n: number) => Math.round(plot.top + plot.height - (n / max) * plot.height);
  const series = RATINGS.slice()
    .reverse()
    .map((rating) => ({
      rating,
      label: RATING_LABELS[rating],
      counts: byRating[rating],
      points: byRating[rating].map((n, i) => `${x(i)},${y(n)}`).join(' '),
    }));
  const ticks = [0, 0.5, 1].map((f) => ({ value: Math.round(max * f), y: y(Math.round(max * f)) }));
  const xLabels = days
    .map((d, i) => ({ x: x(i), text: d.slice(5) }))
    .filter((_, i) => i % 2 === (days.length - 1) % 2);
  const last = days.length - 1;
  const summary = `Open risks by rating, weekly from ${days[0]} to ${days[last]}. On ${days[last]}: ${series
    .map((s) => `${s.counts[last]} ${s.label.toLowerCase()}`)
    .join(', ')}.`;
  return { days, series, max, width, height, plot, ticks, xLabels, summary };
}

export interface VendorRiskSummary {
  vendor: { id: string; name: string };
  heat: HeatMap;
  statuses: { status: string; n: number }[];
}

/**
 * One vendor's risks at a glance (the fragment at /app/risks/vendor/:id/summary and the vendor page):
 * its heat map and its counts by status, in the caller's read unit. Null for a vendor not in this tenant.
 */
export async function readVendorRiskSummary(
  ctx: TenantReadCtx,
  vendorId: string,
): Promise<VendorRiskSummary | null> {
  const vendor = await getVendor(ctx, vendorId);
  if (!vendor) return null;
  const [heat, statuses] = await Promise.all([readHeatMap(ctx, vendor.id), countsByStatus(ctx, vendor.id)]);
  return { vendor: { id: vendor.id, name: vendor.name }, heat, statuses };
}
