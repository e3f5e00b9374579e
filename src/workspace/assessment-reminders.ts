/**
 * The chasing job (src/jobs/registry.ts, hourly): in every tenant, reminders N days before the due date
 * and on the day (the tenant's days, default 7, 1 and 0), the overdue mark once the due date has passed,
 * and `expired` for invitations whose every link lapsed unopened. Each action is at most once — the
 * reminder and overdue events carry a once-key, the mails a dedupe key, the status moves are guarded —
 * so running the job again (another process, a retried slot, the next hour) changes nothing.
 */
import { EVENT_ONCE, getReminderDays, markOverdue, NOT_YET_OVERDUE } from '../db/repo/assessment-events.js';
import { ASSESSMENT_IN_STATUS, listChaseCandidates } from '../db/repo/assessments.js';
import { listTenants } from '../db/repo/tenants.js';
import { GuardError, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { LIVE_STATUSES, recordAssessmentEvent } from './assessment-events.js';
import { type LinkDeps, sendReminder } from './assessment-links.js';

export const DEFAULT_REMINDER_DAYS: readonly number[] = [7, 1, 0];
/** A reminder more than this many days ahead is not chasing but noise. */
export const MAX_REMINDER_DAYS = 90;
const MAX_REMINDERS = 6;

const DAY_MS = 24 * 60 * 60_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (ymd: string, n: number) => isoDay(new Date(Date.parse(`${ymd}T00:00:00Z`) + n * DAY_MS));
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** `"7, 1, 0"` → [7, 1, 0]: whole days before the due date, each once, largest first. */
export function parseReminderDays(text: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length > MAX_REMINDERS)
    throw new HttpError(422, `Use at most ${MAX_REMINDERS} reminder days.`, {
      fields: { days: `Use at most ${MAX_REMINDERS} reminder days.` },
    });
  const days = new Set<number>();
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > MAX_REMINDER_DAYS) {
      const message = `"${p.slice(0, 20)}" is not a number of days from 0 to ${MAX_REMINDER_DAYS}.`;
      throw new HttpError(422, message, { fields: { days: message } });
    }
    days.add(Number(p));
  }
  return [...days].sort((a, b) => b - a);
}

export interface ChaseReport {
  reminded: number;
  overdue: number;
  expired: number;
}

/** Guarded writes that lost to another process or a change in between: nothing to do. */
async function once(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof GuardError && [EVENT_ONCE, NOT_YET_OVERDUE, ASSESSMENT_IN_STATUS].includes(err.guard))
      return false;
    throw err;
  }
}

/** One run over every tenant. */
export async function chaseAssessments(deps: LinkDeps, now: Date): Promise<ChaseReport> {
  const report: ChaseReport = { reminded: 0, overdue: 0, expired: 0 };
  const tenants = await deps.store.as({ system: 'scheduler' }).read((ctx) => listTenants(ctx));
  const today = isoDay(now);
  for (const { id: tenantId } of tenants) {
    const scope = deps.store.tenant(tenantId);
    const found = await scope.read(async (ctx) => {
      const days = (await getReminderDays(ctx)) ?? DEFAULT_REMINDER_DAYS;
      return listChaseCandidates(ctx, {
        live: LIVE_STATUSES,
        dueDates: days.map((d) => addDays(today, d)),
        today,
        now,
      });
    });
    for (const a of found.remind) {
      if (await sendReminder(deps, tenantId, a.id, daysBetween(today, a.dueDate))) report.reminded++;
    }
    for (const a of found.overdue) {
      const marked = await once(() =>
        scope.write((tx: TenantWriteCtx) => {
          markOverdue(tx, a.id, LIVE_STATUSES, now);
          recordAssessmentEvent(tx, {
            assessmentId: a.id,
            kind: 'overdue',
            actor: 'system',
            at: now,
            onceKey: `overdue:${a.dueDate}`,
          });
          tx.audit({ actor: 'system', action: 'assessment.overdue', target: `assessment:${a.id}` }, now);
        }),
      );
      if (marked) report.overdue++;
    }
    for (const id of found.expired) {
      const moved = await once(() =>
        scope.write((tx: TenantWriteCtx) => {
          recordAssessmentEvent(tx, { assessmentId: id, kind: 'expired', actor: 'system', at: now });
          tx.audit({ actor: 'system', action: 'assessment.expired', target: `assessment:${id}` }, now);
        }),
      );
      if (moved) report.expired++;
    }
  }
  return report;
}
