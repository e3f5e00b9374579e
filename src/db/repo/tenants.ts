import { asc, count, eq, isNull, sql } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import { preparedRead } from '../prepared.js';
import type { ReadCtx, TenantReadCtx, TenantWriteCtx, WriteCtx } from '../store.js';

export type Tenant = { id: string; name: string; createdAt: Date };

const cols = (t: ReadCtx['t']) => ({
  id: t.tenants.id,
  name: t.tenants.name,
  createdAt: t.tenants.createdAt,
});

/**
 * Queues a new tenant; returns it as it will be stored. Its first rows go in the same unit of work, which
 * is scoped to the new tenant's id (on PostgreSQL a tenant row can only be created by its own unit).
 */
export function insertTenant(tx: WriteCtx, name: string, id: string = newId(), now = new Date()): Tenant {
  tx.write(tx.db.insert(tx.t.tenants).values({ id, name, createdAt: now }));
  return { id, name, createdAt: now };
}

export async function getTenant({ db, t }: ReadCtx, id: string): Promise<Tenant | null> {
  if (!isId(id)) return null;
  const [row] = await db.select(cols(t)).from(t.tenants).where(eq(t.tenants.id, id));
  return row ?? null;
}

/** The current tenant of a unit of work. */
export const currentTenant = (ctx: TenantReadCtx) => getTenant(ctx, ctx.tenantId);

/**
 * Every tenant: the operator's view (`store.as({ system: 'cli' })`; on PostgreSQL nobody else sees them
 * all). The scheduler's view leaves out tenants pending deletion, so no job works for them (tenant exit:
 * docs/tenant-exit.md) unless `includePending` (the audit trail's checkpoints go on until the purge: the
 * request and a cancel are entries too); the purge job finds those with its own query.
 */
export async function listTenants(
  { db, t, claims }: ReadCtx,
  opts: { includePending?: boolean } = {},
): Promise<Tenant[]> {
  const skipPending = claims.system === 'scheduler' && !opts.includePending;
  return db
    .select(cols(t))
    .from(t.tenants)
    .where(skipPending ? isNull(t.tenants.deletionRequestedAt) : undefined)
    .orderBy(asc(t.tenants.name), asc(t.tenants.id));
}

/** `--tenant` takes an id or an exact name; a name shared by two tenants is ambiguous. Read as the operator. */
export async function findTenants({ db, t }: ReadCtx, idOrName: string): Promise<Tenant[]> {
  if (isId(idOrName)) return db.select(cols(t)).from(t.tenants).where(eq(t.tenants.id, idOrName));
  return db.select(cols(t)).from(t.tenants).where(eq(t.tenants.name, idOrName));
}

/** How many tenants exist (the first-run check); read as the operator. */
export async function countTenants({ db, t }: ReadCtx): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.tenants);
  return row?.n ?? 0;
}

const overview = preparedRead(['tenantId'], (db, t, p) =>
  db
    .select({
      vendors:
        sql<number>`(select count(*) from ${t.vendors} where ${t.vendors.tenantId} = ${p.tenantId})`.mapWith(
          Number,
        ),
      assessments:
        sql<number>`(select count(*) from ${t.assessments} where ${t.assessments.tenantId} = ${p.tenantId})`.mapWith(
          Number,
        ),
      openRisks:
        sql<number>`(select count(*) from ${t.risks} where ${t.risks.tenantId} = ${p.tenantId} and ${t.risks.status} <> 'closed')`.mapWith(
          Number,
        ),
    })
    .from(t.tenants)
    .where(eq(t.tenants.id, p.tenantId)),
);

/** Counts for the workspace overview, in one statement (every overview page: prepared once, see prepared.ts). */
export async function overviewCounts(ctx: TenantReadCtx) {
  const [row] = await overview(ctx, { tenantId: ctx.tenantId });
  return { vendors: row?.vendors ?? 0, assessments: row?.assessments ?? 0, openRisks: row?.openRisks ?? 0 };
}

export type TenantSettings = { linkTtlHours?: number; vendorComments?: 'questionnaire' | 'every' };

/** The unit's tenant with its settings (the settings page). */
export async function getTenantWithSettings(
  ctx: TenantReadCtx,
): Promise<(Tenant & { settings: TenantSettings }) | null> {
  const { db, t, tenantId } = ctx;
  const [row] = await db
    .select({ ...cols(t), settings: t.tenants.settings })
    .from(t.tenants)
    .where(eq(t.tenants.id, tenantId));
  return row ?? null;
}

/**
 * Renames the unit's tenant and sets its default link lifetime. The lifetime is set as one key in SQL
 * (json_set / jsonb_set) on the row as it is when the UPDATE runs, never as a copy read earlier: a
 * setting another page changed in between (requireMfa from /app/settings/security, say) is kept.
 */
export function updateTenantSettings(
  tx: TenantWriteCtx,
  v: { name: string; linkTtlHours: number; vendorComments?: 'questionnaire' | 'every' },
): void {
  const { t } = tx;
  if (!Number.isSafeInteger(v.linkTtlHours)) throw new RangeError('linkTtlHours must be an integer');
  const comments = v.vendorComments;
  if (comments !== undefined && comments !== 'questionnaire' && comments !== 'every')
    throw new RangeError('vendorComments must be questionnaire or every');
  const hours =
    tx.dialect === 'pg'
      ? sql`jsonb_set(${t.tenants.settings}, '{linkTtlHours}', to_jsonb(${v.linkTtlHours}::integer))`
      : sql`json_set(${t.tenants.settings}, '$.linkTtlHours', ${v.linkTtlHours})`;
  const settings =
    comments === undefined
      ? hours
      : tx.dialect === 'pg'
        ? sql`jsonb_set(${hours}, '{vendorComments}', to_jsonb(${comments}::text))`
        : sql`json_set(${hours}, '$.vendorComments', ${comments})`;
  tx.write(
    tx.db
      .update(t.tenants)
      .set({ name: v.name, settings: settings as unknown as TenantSettings })
      .where(eq(t.tenants.id, tx.tenantId)),
    { guard: 'tenant-exists' },
  );
}
