/**
 * Retention per tenant: how long assessments (with their answers, evidence and findings) are kept after
 * the vendor relationship ends, and how long security events are kept. A daily job deletes what has
 * run out, one assessment per unit of work, each with one `retention.deleted` audit entry naming the
 * ids and SHA-256 of what went; legal holds (src/privacy/legal-holds.ts) stop it, checked inside the
 * deleting statement. Evidence blobs are deleted after the unit commits: the rows (and with them the
 * wrapped file keys) go first, so a blob left by a crash in between no longer decrypts.
 */
import { z } from 'zod';
import * as repo from '../db/repo/index.js';
import { GuardError, type TenantWriteCtx } from '../db/store.js';
import { evidenceBlobAddress } from '../evidence/evidence.js';
import { pruneDevOutbox } from '../mail/outbox-prune.js';
import type { Ports } from '../platform/ports.js';
import { contactDataFor } from '../vendor/contact-data.js';

export const RETENTION_DEFAULTS = { assessmentYears: 6, securityEventDays: 365 } as const;
/** Security events are kept at least this long (issue 9; NIS2 incident handling needs the trail). */
export const MIN_SECURITY_EVENT_DAYS = 90;

export const retentionInput = z.object({
  assessmentYears: z.coerce
    .number({ message: 'Enter a whole number of years.' })
    .int('Enter a whole number of years.')
    .min(1, 'Keep assessments at least 1 year after the relationship ends.')
    .max(30, 'At most 30 years.'),
  securityEventDays: z.coerce
    .number({ message: 'Enter a whole number of days.' })
    .int('Enter a whole number of days.')
    .min(MIN_SECURITY_EVENT_DAYS, `Keep security events at least ${MIN_SECURITY_EVENT_DAYS} days.`)
    .max(3650, 'At most 3650 days (10 years).'),
});
export type RetentionPolicy = z.infer<typeof retentionInput>;

export async function retentionPolicy(ctx: Parameters<typeof repo.getRetentionPolicy>[0]) {
  return (await repo.getRetentionPolicy(ctx)) ?? { ...RETENTION_DEFAULTS, updatedBy: null, updatedAt: null };
}

/** Sets the policy (input already parsed), with its audit entry. */
export function setRetentionPolicy(tx: TenantWriteCtx, p: RetentionPolicy, actor: string, now: Date): void {
  repo.putRetentionPolicy(tx, { ...p, updatedBy: actor }, now);
  tx.audit(
    {
      actor,
      action: 'retention.policy_set',
      target: `tenant:${tx.tenantId}`,
      data: { assessment_years: p.assessmentYears, security_event_days: p.securityEventDays },
    },
    now,
  );
}

const yearsBefore = (now: Date, years: number) => {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
};

export interface RetentionRun {
  deleted: string[];
  /** Vendors deleted once their assessments were gone (with their risks and contacts). */
  vendors: string[];
  /** Held between the list and the deletion: left alone. */
  held: string[];
}

/** `mail`: where it has a development outbox, its files follow the rows (src/mail/outbox-prune.ts). */
type RetentionPorts = Pick<Ports, 'store' | 'blobs' | 'master' | 'logger'> & Partial<Pick<Ports, 'mail'>>;

/** Deletes one tenant's expired assessments (at most `batch` of them per call). */
export async function applyRetention(
  ports: RetentionPorts,
  tenantId: string,
  now: Date,
  batch = 100,
): Promise<RetentionRun> {
  const scope = ports.store.tenant(tenantId);
  const { policy, expired } = await scope.read(async (ctx) => {
    const p = await retentionPolicy(ctx);
    return {
      policy: p,
      expired: await repo.expiredAssessments(ctx, yearsBefore(now, p.assessmentYears), batch),
    };
  });
  const run: RetentionRun = { deleted: [], vendors: [], held: [] };
  for (const a of expired) {
    let files: { id: string; sha256: string; fileKey: string | null }[];
    try {
      files = await scope.write(async (tx) => {
        const versions = await repo.listEvidenceVersions(tx, a.id);
        repo.deleteAssessmentTree(tx, a.id);
        tx.audit(
          {
            actor: 'system:retention',
            action: 'retention.deleted',
            target: `assessment:${a.id}`,
            data: {
              vendor: a.vendorId,
              assessment_years: policy.assessmentYears,
              evidence: versions.map((v) => ({ id: v.id, data_sha256: v.sha256 })),
            },
          },
          now,
        );
        return versions;
      });
    } catch (err) {
      if (err instanceof GuardError && err.guard === repo.NOT_HELD) {
        run.held.push(a.id);
        continue;
      }
      throw err;
    }
    for (const f of files) {
      // A pre-per-file-key blob may back another row of the same content: only own blobs are deleted here.
      if (f.fileKey !== null) await ports.blobs.delete(await evidenceBlobAddress(ports, tenantId, f));
    }
    run.deleted.push(a.id);
  }
  // Then the vendors with nothing left: their risks, contacts (and the mail still queued to them) go too.
  await deleteExpiredVendors(ports, tenantId, now, yearsBefore(now, policy.assessmentYears), run, batch);
  // Security events past the tenant's period (never under 90 days) go too.
  await scope.write((tx) => {
    repo.purgeSecurityEvents(tx, repo.securityEventsCutoff(now, policy.securityEventDays));
  });
  if (run.deleted.length || run.vendors.length || run.held.length)
    ports.logger.info(
      {
        event: 'retention.applied',
        tenant: tenantId,
        deleted: run.deleted.length,
        vendors: run.vendors.length,
        held: run.held.length,
      },
      'retention applied',
    );
  return run;
}

/**
 * Deletes the tenant's offboarded vendors whose period ran out and whose assessments are gone, one per
 * unit of work with one `retention.deleted` entry (ids only). Contacts are opened first, outside the
 * unit, so the mail still in the outbox to them can be blanked in the same unit as their rows go.
 */
async function deleteExpiredVendors(
  ports: RetentionPorts,
  tenantId: string,
  now: Date,
  endedBefore: Date,
  run: RetentionRun,
  batch: number,
): Promise<void> {
  const scope = ports.store.tenant(tenantId);
  const vendors = await scope.read((ctx) => repo.expiredVendors(ctx, endedBefore, batch));
  for (const v of vendors) {
    const { before, elsewhere } = await scope.read(async (ctx) => {
      const ids = await repo.vendorTreeIds(ctx, v.id);
      // A person who is still a contact of another vendor keeps the mail queued to them.
      const shared = new Set<string>();
      for (const c of ids.contacts) {
        if (!c.emailHash) continue;
        const same = await repo.contactsByEmailHash(ctx, c.emailHash);
        if (same.some((o) => o.vendorId !== v.id)) shared.add(c.id);
      }
      return { before: ids, elsewhere: shared };
    });
    const opened = await contactDataFor(ports).openAll(
      tenantId,
      before.contacts.filter((c) => !elsewhere.has(c.id)),
    );
    const addresses = opened.flatMap((c) => (c.email ? [c.email] : []));
    try {
      await scope.write(async (tx) => {
        const ids = await repo.vendorTreeIds(tx, v.id);
        for (const address of addresses) repo.eraseMailTo(tx, address);
        repo.deleteVendorTree(tx, v.id);
        tx.audit(
          {
            actor: 'system:retention',
            action: 'retention.deleted',
            target: `vendor:${v.id}`,
            data: { risks: ids.risks, contacts: ids.contacts.map((c) => c.id) },
          },
          now,
        );
      });
    } catch (err) {
      if (err instanceof GuardError && err.guard === repo.NOT_HELD) {
        run.held.push(v.id);
        continue;
      }
      throw err;
    }
    run.vendors.push(v.id);
  }
}

/**
 * Sent and failed mail older than MAIL_RETENTION_DAYS goes, every tenant's at once (its bodies went when
 * it was sent; this takes the recipient and subject). As the sender (`system: 'mail'`): on PostgreSQL
 * only it sees every message, and the policy `mail_outbox_expire` lets it delete these and no others.
 */
export async function expireMail(
  ports: Pick<Ports, 'store' | 'logger'> & Partial<Pick<Ports, 'mail'>>,
  now: Date,
): Promise<number> {
  const before = new Date(now.getTime() - repo.MAIL_RETENTION_DAYS * 24 * 60 * 60_000);
  const { rows } = await ports.store.as({ system: 'mail' }).write((tx) => repo.deleteDoneMail(tx, before));
  if (rows.length) ports.logger.info({ event: 'retention.mail', deleted: rows.length }, 'old mail deleted');
  // The development outbox's copies go with their rows: these, and those the run's vendor deletions
  // erased (or any a crash left behind).
  await pruneDevOutbox(ports);
  return rows.length;
}

/** The daily job: every tenant in turn, then the outbox. */
export async function retentionJob(ports: RetentionPorts, now: Date): Promise<void> {
  // The scheduler's claim lists tenants on PostgreSQL (tenants_scheduler_read, migrations/pg/0008_review_rls.sql).
  const tenants = await ports.store.as({ system: 'scheduler' }).read((g) => repo.listTenants(g));
  for (const t of tenants) await applyRetention(ports, t.id, now);
  await expireMail(ports, now);
}
