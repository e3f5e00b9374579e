/**
 * Retention: a tenant's policy, the assessments whose period has run out, and their deletion. The
 * legal-hold check is part of the deleting statement itself (NOT EXISTS on legal_holds), so a hold
 * placed after the job read its list still stops the deletion: the guard fails and the unit rolls back.
 */
import { and, asc, eq, inArray, lt, notExists, or, sql } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type RetentionPolicyRow = {
  assessmentYears: number;
  securityEventDays: number;
  updatedBy: string;
  updatedAt: Date;
};

export async function getRetentionPolicy({
  db,
  t,
  tenantId,
}: TenantReadCtx): Promise<RetentionPolicyRow | null> {
  const [row] = await db
    .select({
      assessmentYears: t.retentionPolicies.assessmentYears,
      securityEventDays: t.retentionPolicies.securityEventDays,
      updatedBy: t.retentionPolicies.updatedBy,
      updatedAt: t.retentionPolicies.updatedAt,
    })
    .from(t.retentionPolicies)
    .where(eq(t.retentionPolicies.tenantId, tenantId));
  return row ?? null;
}

/** Sets the tenant's policy (one row per tenant: insert, or update the existing one). */
export function putRetentionPolicy(
  tx: TenantWriteCtx,
  p: Omit<RetentionPolicyRow, 'updatedAt'>,
  now = new Date(),
): void {
  tx.write(
    tx.db
      .insert(tx.t.retentionPolicies)
      .values({ id: newId(), tenantId: tx.tenantId, ...p, updatedAt: now })
      .onConflictDoUpdate({
        target: tx.t.retentionPolicies.tenantId,
        set: {
          assessmentYears: p.assessmentYears,
          securityEventDays: p.securityEventDays,
          updatedBy: p.updatedBy,
          updatedAt: now,
        },
      }),
  );
}

/** No hold on the assessment `a` or on its vendor: the condition retention deletes under. */
function notHeld(ctx: TenantReadCtx) {
  const { db, t, tenantId } = ctx;
  const a = t.assessments;
  return notExists(
    db
      .select({ one: sql`1` })
      .from(t.legalHolds)
      .where(
        and(
          eq(t.legalHolds.tenantId, tenantId),
          or(
            and(eq(t.legalHolds.targetType, 'assessment'), eq(t.legalHolds.targetId, a.id)),
            and(eq(t.legalHolds.targetType, 'vendor'), eq(t.legalHolds.targetId, a.vendorId)),
          ),
        ),
      ),
  );
}

/**
 * Assessments whose vendor relationship ended before `endedBefore` (the vendor is inactive and has not
 * changed since: its `updated_at` is when it was offboarded, or later) and that no legal hold covers.
 */
export async function expiredAssessments(
  ctx: TenantReadCtx,
  endedBefore: Date,
  limit = 100,
): Promise<{ id: string; vendorId: string }[]> {
  const { db, t, tenantId } = ctx;
  return db
    .select({ id: t.assessments.id, vendorId: t.assessments.vendorId })
    .from(t.assessments)
    .innerJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.assessments.tenantId), eq(t.vendors.id, t.assessments.vendorId)),
    )
    .where(
      and(
        eq(t.assessments.tenantId, tenantId),
        eq(t.vendors.status, 'offboarded'),
        lt(t.vendors.updatedAt, endedBefore),
        notHeld(ctx),
      ),
    )
    .orderBy(asc(t.assessments.id))
    .limit(limit);
}

export const NOT_HELD = 'not-under-legal-hold';

/**
 * Queues the deletion of one assessment and everything that hangs off it (access codes, links, answers,
 * evidence rows with their wrapped file keys, findings, status events, review notes, validity dates). The last statement deletes the assessment only
 * if no legal hold covers it, guarded: under a hold the whole unit rolls back.
 */
export function deleteAssessmentTree(tx: TenantWriteCtx, assessmentId: string): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  const id = isId(assessmentId) ? assessmentId : '';
  const children = [
    t.accessCodes,
    t.vendorLinks,
    t.answers,
    t.evidence,
    t.findings,
    t.assessmentEvents,
    t.reviewNotes,
    t.evidenceValidity,
  ] as const;
  for (const child of children) {
    tx.write(db.delete(child).where(and(eq(child.tenantId, tenantId), eq(child.assessmentId, id))));
  }
  // A risk the assessment raised stays with its vendor (retention removes it with the vendor); only its
  // pointer to the deleted assessment goes, or the foreign key would refuse the deletion.
  tx.write(
    db
      .update(t.risks)
      .set({ assessmentId: null })
      .where(and(eq(t.risks.tenantId, tenantId), eq(t.risks.assessmentId, id))),
  );
  // A later re-assessment keeps its own answers; only its pointer to the deleted one goes.
  tx.write(
    db
      .update(t.assessments)
      .set({ previousAssessmentId: null })
      .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.previousAssessmentId, id))),
  );
  return tx.write<{ id: string }>(
    db
      .delete(t.assessments)
      .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.id, id), notHeld(tx)))
      .returning({ id: t.assessments.id }),
    { guard: NOT_HELD },
  );
}

/** No hold on the vendor `v`, and none of its assessments left: the condition a vendor is deleted under. */
function vendorGone(ctx: TenantReadCtx) {
  const { db, t, tenantId } = ctx;
  const v = t.vendors;
  return and(
    notExists(
      db
        .select({ one: sql`1` })
        .from(t.legalHolds)
        .where(
          and(
            eq(t.legalHolds.tenantId, tenantId),
            eq(t.legalHolds.targetType, 'vendor'),
            eq(t.legalHolds.targetId, v.id),
          ),
        ),
    ),
    notExists(
      db
        .select({ one: sql`1` })
        .from(t.assessments)
        .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.vendorId, v.id))),
    ),
  );
}

/**
 * Offboarded vendors whose relationship ended before `endedBefore`, that no legal hold covers and whose
 * assessments retention has already deleted (or that never had any).
 */
export async function expiredVendors(
  ctx: TenantReadCtx,
  endedBefore: Date,
  limit = 100,
): Promise<{ id: string }[]> {
  const { db, t, tenantId } = ctx;
  return db
    .select({ id: t.vendors.id })
    .from(t.vendors)
    .where(
      and(
        eq(t.vendors.tenantId, tenantId),
        eq(t.vendors.status, 'offboarded'),
        lt(t.vendors.updatedAt, endedBefore),
        vendorGone(ctx),
      ),
    )
    .orderBy(asc(t.vendors.id))
    .limit(limit);
}

/** What a vendor's deletion takes with it (ids for the audit entry). */
export async function vendorTreeIds(ctx: TenantReadCtx, vendorId: string) {
  const { db, t, tenantId } = ctx;
  const id = isId(vendorId) ? vendorId : '';
  const risks = await db
    .select({ id: t.risks.id })
    .from(t.risks)
    .where(and(eq(t.risks.tenantId, tenantId), eq(t.risks.vendorId, id)))
    .orderBy(asc(t.risks.id));
  const contacts = await db
    .select({
      id: t.vendorContacts.id,
      vendorId: t.vendorContacts.vendorId,
      emailHash: t.vendorContacts.emailHash,
      sealed: t.vendorContacts.sealed,
      keyId: t.vendorContacts.keyId,
      erasedAt: t.vendorContacts.erasedAt,
      createdAt: t.vendorContacts.createdAt,
      updatedAt: t.vendorContacts.updatedAt,
    })
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, id)))
    .orderBy(asc(t.vendorContacts.id));
  return { risks: risks.map((r) => r.id), contacts };
}

/**
 * Queues the deletion of a vendor and what is left of it once its assessments are gone: its risks with
 * their history and acceptances, its contacts and their portal sessions. The last statement deletes
 * the vendor only while no legal hold covers it and no assessment of it remains, guarded (NOT_HELD):
 * otherwise the whole unit rolls back.
 */
export function deleteVendorTree(tx: TenantWriteCtx, vendorId: string): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  const id = isId(vendorId) ? vendorId : '';
  const risksOf = db
    .select({ id: t.risks.id })
    .from(t.risks)
    .where(and(eq(t.risks.tenantId, tenantId), eq(t.risks.vendorId, id)));
  const contactsOf = db
    .select({ id: t.vendorContacts.id })
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, id)));
  tx.write(
    db
      .delete(t.riskHistory)
      .where(and(eq(t.riskHistory.tenantId, tenantId), inArray(t.riskHistory.riskId, risksOf))),
  );
  tx.write(
    db
      .delete(t.riskAcceptances)
      .where(and(eq(t.riskAcceptances.tenantId, tenantId), inArray(t.riskAcceptances.riskId, risksOf))),
  );
  tx.write(db.delete(t.risks).where(and(eq(t.risks.tenantId, tenantId), eq(t.risks.vendorId, id))));
  tx.write(
    db
      .delete(t.sessions)
      .where(and(eq(t.sessions.tenantId, tenantId), inArray(t.sessions.contactId, contactsOf))),
  );
  tx.write(
    db
      .delete(t.vendorContacts)
      .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, id))),
  );
  return tx.write<{ id: string }>(
    db
      .delete(t.vendors)
      .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, id), vendorGone(tx)))
      .returning({ id: t.vendors.id }),
    { guard: NOT_HELD },
  );
}
