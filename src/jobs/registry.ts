/**
 * Background jobs (reminders, overdue marking, acceptance expiry, evidence validity, retention,
 * checkpoints…): THE list. The scheduler (src/jobs/scheduler.ts) runs each job once per slot across
 * every server process — a guard row per (job, slot) decides which process runs it — from a timer on
 * Node and from the cron trigger on Workers. A job gets the ports and the slot's time; it must be
 * idempotent (a crashed run is retried in the next slot) and do its writes in units of work.
 *
 * Add one line per job, in your domain's section.
 */
import { checkpointAllTenants, mailCheckpoints } from '../audit/jobs.js';
import type { Ports } from '../platform/ports.js';
import { retentionJob } from '../privacy/retention.js';
import { tenantPurgeJob } from '../privacy/tenant-deletion.js';
import { acceptanceExpiryJob } from '../risk/jobs.js';
import { finishPendingReceipts } from '../vendor/receipt-recovery.js';
import { chaseAssessments } from '../workspace/assessment-reminders.js';
import { runEvidenceValidity } from '../workspace/evidence-validity.js';

/** What a job gets: the platform and the public origin (links in mail). */
export type JobPorts = Ports & { baseUrl: string };

export interface Job {
  /** Stable name: the guard rows and logs use it. */
  readonly name: string;
  readonly every: 'hourly' | 'daily';
  run(platform: JobPorts, now: Date): Promise<void>;
}

export const JOBS: readonly Job[] = [
  // assessments: reminders, overdue
  {
    name: 'assessments.chase',
    // Hourly: a missed hour is caught up by the next; every action in it happens at most once.
    every: 'hourly',
    run: async (p, now) => {
      const r = await chaseAssessments(p, now);
      if (r.reminded || r.overdue || r.expired) p.logger.info({ job: 'assessments.chase', ...r }, 'chased');
    },
  },
  // risks: acceptance expiry
  acceptanceExpiryJob,
  // review: evidence validity (reminders before a certificate or report expires, a finding after)
  {
    name: 'evidence-validity',
    every: 'daily',
    run: async (platform, now) => {
      await runEvidenceValidity(platform, now);
    },
  },
  // audit: checkpoints, checkpoint mail
  {
    name: 'audit-checkpoints',
    every: 'hourly',
    run: (p, now) => checkpointAllTenants(p, now).then(() => {}),
  },
  { name: 'audit-checkpoint-mail', every: 'daily', run: (p, now) => mailCheckpoints(p, now).then(() => {}) },
  // vendor portal: receipts whose mail a crash between the submission's two units left unqueued
  {
    name: 'vendor.receipt-recovery',
    every: 'hourly',
    run: (p, now) => finishPendingReceipts(p, now).then(() => {}),
  },
  // privacy: retention, tenant deletion
  { name: 'privacy.retention', every: 'daily', run: (platform, now) => retentionJob(platform, now) },
  { name: 'privacy.tenant-purge', every: 'daily', run: (p, now) => tenantPurgeJob(p, now).then(() => {}) },
];
