/**
 * When a vendor is next reviewed: the tier's interval (tenant-configurable, src/db/repo/vendors.ts
 * DEFAULT_REVIEW_MONTHS) after the last submitted assessment (or today, when there was none), or the
 * contract renewal if that comes first — a renewal is the moment to decide on the vendor with a fresh
 * review. Proposed on the vendor page; accepting it sets next_review_date.
 */
import type { ReviewIntervals, Vendor } from '../db/repo/vendors.js';

export const MAX_REVIEW_MONTHS = 60;

/** `date` (YYYY-MM-DD) plus whole months, clamped to the last day of a shorter month. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d, last))).toISOString().slice(0, 10);
}

export interface ReviewProposal {
  date: string;
  reason: string;
}

export function proposeReviewDate(
  vendor: Pick<Vendor, 'tier' | 'renewalDate'>,
  intervals: ReviewIntervals,
  lastReviewed: Date | null,
  today: string,
): ReviewProposal {
  const months = intervals[vendor.tier];
  const base = lastReviewed ? lastReviewed.toISOString().slice(0, 10) : today;
  let date = addMonths(base, months);
  // An overdue interval is due now, not in the past.
  if (date < today) date = today;
  const byTier = `${months} months after ${lastReviewed ? `the last assessment (${base})` : 'today'}, the interval for the ${vendor.tier} tier`;
  if (vendor.renewalDate && vendor.renewalDate >= today && vendor.renewalDate < date) {
    return {
      date: vendor.renewalDate,
      reason: `The contract renewal on ${vendor.renewalDate}, earlier than ${byTier}.`,
    };
  }
  return { date, reason: `${byTier[0]!.toUpperCase()}${byTier.slice(1)}.` };
}
