import { and, asc, count, eq, ne } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { GlobalCtx, TenantCtx } from '../store.js';

export type Tenant = { id: string; name: string; createdAt: Date };

/** Creating a tenant is global: the id does not exist yet. Its first rows go in a tenant unit of work. */
export async function insertTenant({ db, t }: GlobalCtx, name: string, id?: string): Promise<Tenant> {
  const [row] = await db
    .insert(t.tenants)
    .values({ name, ...(id ? { id } : {}) })
    .returning({ id: t.tenants.id, name: t.tenants.name, createdAt: t.tenants.createdAt });
  return row!;
}

export async function getTenant({ db, t }: GlobalCtx, id: string): Promise<Tenant | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({ id: t.tenants.id, name: t.tenants.name, createdAt: t.tenants.createdAt })
    .from(t.tenants)
    .where(eq(t.tenants.id, id));
  return row ?? null;
}

/** The current tenant of a unit of work. */
export const currentTenant = (ctx: TenantCtx) => getTenant(ctx, ctx.tenantId);

export async function listTenants({ db, t }: GlobalCtx): Promise<Tenant[]> {
  return db
    .select({ id: t.tenants.id, name: t.tenants.name, createdAt: t.tenants.createdAt })
    .from(t.tenants)
    .orderBy(asc(t.tenants.name), asc(t.tenants.id));
}

/** `--tenant` takes an id or an exact name; a name shared by two tenants is ambiguous. */
export async function findTenants({ db, t }: GlobalCtx, idOrName: string): Promise<Tenant[]> {
  const cols = { id: t.tenants.id, name: t.tenants.name, createdAt: t.tenants.createdAt };
  if (isId(idOrName)) return db.select(cols).from(t.tenants).where(eq(t.tenants.id, idOrName));
  return db.select(cols).from(t.tenants).where(eq(t.tenants.name, idOrName));
}

export async function countTenants({ db, t }: GlobalCtx): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t.tenants);
  return row?.n ?? 0;
}

/** Counts for the workspace overview. */
export async function overviewCounts({ db, t, tenantId }: TenantCtx) {
  const [vendors] = await db.select({ n: count() }).from(t.vendors).where(eq(t.vendors.tenantId, tenantId));
  const [assessments] = await db
    .select({ n: count() })
    .from(t.assessments)
    .where(eq(t.assessments.tenantId, tenantId));
  const [openRisks] = await db
    .select({ n: count() })
    .from(t.risks)
    .where(and(eq(t.risks.tenantId, tenantId), ne(t.risks.status, 'closed')));
  return { vendors: vendors?.n ?? 0, assessments: assessments?.n ?? 0, openRisks: openRisks?.n ?? 0 };
}
