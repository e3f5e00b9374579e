import { and, asc, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantCtx } from '../store.js';

export type VendorTier = 'low' | 'medium' | 'high' | 'critical';
export type Vendor = {
  id: string;
  tenantId: string;
  name: string;
  website: string | null;
  tier: VendorTier;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};
export type VendorInput = { name: string; website?: string | null; tier?: VendorTier };

export async function insertVendor({ db, t, tenantId }: TenantCtx, input: VendorInput): Promise<Vendor> {
  const now = new Date();
  const [row] = await db
    .insert(t.vendors)
    .values({ ...input, tenantId, createdAt: now, updatedAt: now })
    .returning();
  return row as Vendor;
}

export async function getVendor({ db, t, tenantId }: TenantCtx, id: string): Promise<Vendor | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, id)));
  return (row as Vendor | undefined) ?? null;
}

export async function findVendorByName({ db, t, tenantId }: TenantCtx, name: string): Promise<Vendor | null> {
  const [row] = await db
    .select()
    .from(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.name, name)));
  return (row as Vendor | undefined) ?? null;
}

export async function listVendors({ db, t, tenantId }: TenantCtx): Promise<Vendor[]> {
  return (await db
    .select()
    .from(t.vendors)
    .where(eq(t.vendors.tenantId, tenantId))
    .orderBy(asc(t.vendors.name))) as Vendor[];
}

export async function updateVendor(
  { db, t, tenantId }: TenantCtx,
  id: string,
  patch: Partial<VendorInput> & { active?: boolean },
): Promise<Vendor | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .update(t.vendors)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, id)))
    .returning();
  return (row as Vendor | undefined) ?? null;
}

/** Deletes a vendor that has no assessments yet (assessments keep it referenced). */
export async function deleteVendor({ db, t, tenantId }: TenantCtx, id: string): Promise<boolean> {
  if (!isId(id)) return false;
  await db
    .delete(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, id)));
  const rows = await db
    .delete(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, id)))
    .returning({ id: t.vendors.id });
  return rows.length > 0;
}

export type VendorContact = { id: string; vendorId: string; name: string | null; email: string };

/** Adds a contact, or returns the existing one with the same email for this vendor. */
export async function ensureContact(
  ctx: TenantCtx,
  vendorId: string,
  email: string,
  name: string | null = null,
): Promise<VendorContact> {
  const { db, t, tenantId } = ctx;
  const normalised = email.trim().toLowerCase();
  const cols = {
    id: t.vendorContacts.id,
    vendorId: t.vendorContacts.vendorId,
    name: t.vendorContacts.name,
    email: t.vendorContacts.email,
  };
  const [existing] = await db
    .select(cols)
    .from(t.vendorContacts)
    .where(
      and(
        eq(t.vendorContacts.tenantId, tenantId),
        eq(t.vendorContacts.vendorId, vendorId),
        eq(t.vendorContacts.email, normalised),
      ),
    );
  if (existing) return existing;
  const [row] = await db
    .insert(t.vendorContacts)
    .values({ tenantId, vendorId, email: normalised, name })
    .returning(cols);
  return row!;
}

export async function listContacts(
  { db, t, tenantId }: TenantCtx,
  vendorId: string,
): Promise<VendorContact[]> {
  if (!isId(vendorId)) return [];
  return db
    .select({
      id: t.vendorContacts.id,
      vendorId: t.vendorContacts.vendorId,
      name: t.vendorContacts.name,
      email: t.vendorContacts.email,
    })
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, vendorId)))
    .orderBy(asc(t.vendorContacts.email));
}
