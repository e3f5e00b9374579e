/**
 * Vendors of a tenant: the register's rows (no personal data; contacts are in vendor-contacts.ts), the
 * keyset-paged list, the per-tenant review intervals, and the read models the vendor page and the
 * supplier register need from assessments and risks.
 */
import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  getTableName,
  gt,
  lt,
  ne,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export const VENDOR_TIERS = ['low', 'medium', 'high', 'critical'] as const;
export type VendorTier = (typeof VENDOR_TIERS)[number];
export const VENDOR_STATUSES = ['active', 'onboarding', 'offboarded'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export type SubProcessor = { name: string; country: string; service: string };
export type VendorIntake = { dataSensitivity: string; serviceCriticality: string; substitutability: string };

/** Everything a member can set on a vendor (validated in src/workspace/vendor-fields.ts). */
export type VendorInput = {
  name: string;
  legalEntity?: string | null;
  country?: string | null;
  website?: string | null;
  services?: string | null;
  locations?: string[];
  contractStart?: string | null;
  contractEnd?: string | null;
  renewalDate?: string | null;
  dataAccess?: string[];
  systemAccess?: string[];
  subProcessors?: SubProcessor[];
  intake?: VendorIntake | null;
  tier?: VendorTier;
  tierReason?: string | null;
  tierOverridden?: boolean;
  nextReviewDate?: string | null;
  status?: VendorStatus;
};

export type Vendor = Required<VendorInput> & {
  id: string;
  tenantId: string;
  offboardedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export const VENDOR_EXISTS = 'vendor-exists';

/** Queues a vendor; returns it as it will be stored. A name taken in the tenant fails the unit (unique key). */
export function insertVendor(
  tx: TenantWriteCtx,
  input: VendorInput & { id?: string },
  now = new Date(),
): Vendor {
  const vendor: Vendor = {
    id: input.id ?? newId(),
    tenantId: tx.tenantId,
    name: input.name,
    legalEntity: input.legalEntity ?? null,
    country: input.country ?? null,
    website: input.website ?? null,
    services: input.services ?? null,
    locations: input.locations ?? [],
    contractStart: input.contractStart ?? null,
    contractEnd: input.contractEnd ?? null,
    renewalDate: input.renewalDate ?? null,
    dataAccess: input.dataAccess ?? [],
    systemAccess: input.systemAccess ?? [],
    subProcessors: input.subProcessors ?? [],
    intake: input.intake ?? null,
    tier: input.tier ?? 'medium',
    tierReason: input.tierReason ?? null,
    tierOverridden: input.tierOverridden ?? false,
    nextReviewDate: input.nextReviewDate ?? null,
    status: input.status ?? 'active',
    offboardedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.write(tx.db.insert(tx.t.vendors).values(vendor));
  return vendor;
}

export async function getVendor({ db, t, tenantId }: TenantReadCtx, id: string): Promise<Vendor | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, id)));
  return (row as Vendor | undefined) ?? null;
}

export async function findVendorByName(
  { db, t, tenantId }: TenantReadCtx,
  name: string,
): Promise<Vendor | null> {
  const [row] = await db
    .select()
    .from(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.name, name)));
  return (row as Vendor | undefined) ?? null;
}

/** Every vendor of the tenant by name (the CLI's list, the register export, the import's duplicate check). */
export async function listVendors({ db, t, tenantId }: TenantReadCtx): Promise<Vendor[]> {
  return (await db
    .select()
    .from(t.vendors)
    .where(eq(t.vendors.tenantId, tenantId))
    .orderBy(asc(t.vendors.name), asc(t.vendors.id))) as Vendor[];
}

export const VENDOR_SORTS = ['name', 'next_review', 'updated'] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];

export interface VendorQuery {
  /** Part of the name, any case. */
  search?: string;
  tier?: VendorTier;
  status?: VendorStatus;
  sort: VendorSort;
  /** The last row of the previous page (its sort key and id), from {@link vendorCursor}. */
  after?: { key: string; id: string } | null;
  limit: number;
}

/** A date after every real one: vendors without a next review sort last. */
const NO_DATE = '9999-12-31';

/** The cursor of a row in a sort: what the next page starts after. */
export function vendorCursor(v: Vendor, sort: VendorSort): { key: string; id: string } {
  const key =
    sort === 'name'
      ? v.name
      : sort === 'next_review'
        ? (v.nextReviewDate ?? NO_DATE)
        : String(v.updatedAt.getTime());
  return { key, id: v.id };
}

/**
 * One page of the vendor list: filters and sorts from an allow-list only, keyset pagination (no OFFSET,
 * so a page costs the same wherever it is), one row more than asked to tell whether another page follows.
 */
export async function queryVendors(
  { db, t, tenantId }: TenantReadCtx,
  q: VendorQuery,
): Promise<{ rows: Array<Vendor & { lastRating: string | null }>; more: boolean }> {
  const where: (SQL | undefined)[] = [eq(t.vendors.tenantId, tenantId)];
  if (q.tier) where.push(eq(t.vendors.tier, q.tier));
  if (q.status) where.push(eq(t.vendors.status, q.status));
  if (q.search) {
    const pattern = `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`lower(${t.vendors.name}) like ${pattern} escape '\\'`);
  }
  const review = sql<string>`coalesce(${t.vendors.nextReviewDate}, ${NO_DATE})`;
  let order: SQL[];
  if (q.sort === 'name') {
    order = [asc(t.vendors.name), asc(t.vendors.id)];
    if (q.after)
      where.push(
        or(
          gt(t.vendors.name, q.after.key),
          and(eq(t.vendors.name, q.after.key), gt(t.vendors.id, q.after.id)),
        ),
      );
  } else if (q.sort === 'next_review') {
    order = [asc(review), asc(t.vendors.id)];
    if (q.after)
      where.push(
        sql`(${review} > ${q.after.key} or (${review} = ${q.after.key} and ${t.vendors.id} > ${q.after.id}))`,
      );
  } else {
    order = [desc(t.vendors.updatedAt), desc(t.vendors.id)];
    if (q.after) {
      const at = new Date(Number(q.after.key));
      where.push(
        or(lt(t.vendors.updatedAt, at), and(eq(t.vendors.updatedAt, at), lt(t.vendors.id, q.after.id))),
      );
    }
  }
  // The headline rating of the vendor's latest submission (issue 10), in the same statement. Written out:
  // drizzle leaves columns unqualified, which a correlated subquery would bind to its own table.
  const v = sql.identifier(getTableName(t.vendors));
  const lastRating = sql<
    string | null
  >`(select la.rating from ${sql.identifier(getTableName(t.assessments))} la where la.tenant_id = ${v}.tenant_id and la.vendor_id = ${v}.id and la.submitted_at is not null order by la.submitted_at desc, la.id desc limit 1)`;
  const rows = (await db
    .select({ ...getTableColumns(t.vendors), lastRating })
    .from(t.vendors)
    .where(and(...where))
    .orderBy(...order)
    .limit(q.limit + 1)) as Array<Vendor & { lastRating: string | null }>;
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit };
}

/**
 * Updates a vendor of this tenant; the unit fails with `GuardError(VENDOR_EXISTS)` when there is none. A
 * changed name that another vendor has fails on the unique key.
 */
export function updateVendor(
  tx: TenantWriteCtx,
  id: string,
  patch: Partial<VendorInput> & { offboardedAt?: Date | null },
  now = new Date(),
): Written<Vendor> {
  const { db, t, tenantId } = tx;
  return tx.write<Vendor>(
    db
      .update(t.vendors)
      .set({ ...patch, updatedAt: now })
      .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, isId(id) ? id : '')))
      .returning(),
    { guard: VENDOR_EXISTS },
  );
}

export const VENDOR_NOT_OFFBOARDED = 'vendor-not-offboarded';

/** Offboards (archives) a vendor: only one that is not offboarded yet, in SQL. */
export function offboardVendor(tx: TenantWriteCtx, id: string, now = new Date()): Written<Vendor> {
  const { db, t, tenantId } = tx;
  return tx.write<Vendor>(
    db
      .update(t.vendors)
      .set({ status: 'offboarded', offboardedAt: now, updatedAt: now })
      .where(
        and(
          eq(t.vendors.tenantId, tenantId),
          eq(t.vendors.id, isId(id) ? id : ''),
          ne(t.vendors.status, 'offboarded'),
        ),
      )
      .returning(),
    { guard: VENDOR_NOT_OFFBOARDED },
  );
}

/** Deletes a vendor and its contacts; assessments keep it referenced, so a vendor with any fails the unit. */
export function deleteVendor(tx: TenantWriteCtx, id: string): void {
  const { db, t, tenantId } = tx;
  const safe = isId(id) ? id : '';
  tx.write(
    db
      .delete(t.vendorContacts)
      .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, safe))),
  );
  tx.write(db.delete(t.vendors).where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, safe))), {
    guard: VENDOR_EXISTS,
  });
}

// ---- review intervals --------------------------------------------------------------------------------

export type ReviewIntervals = Record<VendorTier, number>;

/** Months between reviews when the tenant has set none (issue 8: critical 12, high 12, medium 24, low 36). */
export const DEFAULT_REVIEW_MONTHS: Readonly<ReviewIntervals> = Object.freeze({
  critical: 12,
  high: 12,
  medium: 24,
  low: 36,
});

export async function getReviewIntervals({ db, t, tenantId }: TenantReadCtx): Promise<ReviewIntervals> {
  const [row] = await db.select().from(t.reviewIntervals).where(eq(t.reviewIntervals.tenantId, tenantId));
  return row
    ? { critical: row.critical, high: row.high, medium: row.medium, low: row.low }
    : { ...DEFAULT_REVIEW_MONTHS };
}

export function setReviewIntervals(tx: TenantWriteCtx, months: ReviewIntervals, now = new Date()): void {
  const values = { ...months, updatedAt: now };
  tx.write(
    tx.db
      .insert(tx.t.reviewIntervals)
      .values({ tenantId: tx.tenantId, ...values })
      .onConflictDoUpdate({ target: tx.t.reviewIntervals.tenantId, set: values }),
  );
}

// ---- what the vendor page and the register read from assessments and risks -------------------------

/** Open (not closed) risks per vendor and rating; the rating is the residual one where it was set. */
export async function openRiskCounts(
  { db, t, tenantId }: TenantReadCtx,
  vendorId?: string,
): Promise<Map<string, Record<string, number>>> {
  const rating = sql<string>`coalesce(${t.risks.residualRating}, ${t.risks.inherentRating})`;
  const rows = await db
    .select({ vendorId: t.risks.vendorId, rating, n: sql<number>`count(*)`.mapWith(Number) })
    .from(t.risks)
    .where(
      and(
        eq(t.risks.tenantId, tenantId),
        ne(t.risks.status, 'closed'),
        vendorId ? eq(t.risks.vendorId, isId(vendorId) ? vendorId : '') : undefined,
      ),
    )
    .groupBy(t.risks.vendorId, rating);
  const out = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const counts = out.get(r.vendorId) ?? {};
    counts[r.rating] = (counts[r.rating] ?? 0) + r.n;
    out.set(r.vendorId, counts);
  }
  return out;
}

export type VendorAssessmentLine = {
  id: string;
  vendorId: string;
  status: string;
  questionnaire: string;
  questionnaireTitle: string;
  dueDate: string | null;
  scorePermille: number | null;
  rating: string | null;
  band: string | null;
  sentAt: Date | null;
  submittedAt: Date | null;
  createdAt: Date;
};

/** Assessments (of one vendor, or all) with their questionnaire, newest first. */
export async function vendorAssessmentLines(
  { db, t, tenantId }: TenantReadCtx,
  vendorId?: string,
): Promise<VendorAssessmentLine[]> {
  const rows = await db
    .select({
      id: t.assessments.id,
      vendorId: t.assessments.vendorId,
      status: t.assessments.status,
      questionnaireId: t.questionnaireVersions.questionnaireId,
      version: t.questionnaireVersions.version,
      questionnaireTitle: t.questionnaireVersions.title,
      dueDate: t.assessments.dueDate,
      scorePermille: t.assessments.scorePermille,
      rating: t.assessments.rating,
      band: t.assessments.band,
      sentAt: t.assessments.sentAt,
      submittedAt: t.assessments.submittedAt,
      createdAt: t.assessments.createdAt,
    })
    .from(t.assessments)
    .innerJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    .where(
      and(
        eq(t.assessments.tenantId, tenantId),
        vendorId ? eq(t.assessments.vendorId, isId(vendorId) ? vendorId : '') : undefined,
      ),
    )
    .orderBy(desc(t.assessments.createdAt), asc(t.assessments.id));
  return rows.map(({ questionnaireId, version, ...r }) => ({
    ...r,
    questionnaire: `${questionnaireId}@${version}`,
  }));
}

/** The latest submitted assessment of each vendor (the register's "last assessment"). */
export async function lastSubmittedAssessments(
  ctx: TenantReadCtx,
): Promise<Map<string, VendorAssessmentLine>> {
  const out = new Map<string, VendorAssessmentLine>();
  for (const line of await vendorAssessmentLines(ctx)) {
    if (!line.submittedAt) continue;
    const seen = out.get(line.vendorId);
    if (!seen || seen.submittedAt!.getTime() < line.submittedAt.getTime()) out.set(line.vendorId, line);
  }
  return out;
}
