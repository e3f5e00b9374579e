import { and, asc, eq } from 'drizzle-orm';
import { normaliseEmail } from '../../auth/email.js';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

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
type NewVendor = VendorInput & { id?: string };

export const VENDOR_EXISTS = 'vendor-exists';

/** Queues a vendor; returns it as it will be stored. A name taken in the tenant fails the unit (unique key). */
export function insertVendor(tx: TenantWriteCtx, input: NewVendor, now = new Date()): Vendor {
  const vendor: Vendor = {
    id: input.id ?? newId(),
    tenantId: tx.tenantId,
    name: input.name,
    website: input.website ?? null,
    tier: input.tier ?? 'medium',
    active: true,
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

export async function listVendors({ db, t, tenantId }: TenantReadCtx): Promise<Vendor[]> {
  return (await db
    .select()
    .from(t.vendors)
    .where(eq(t.vendors.tenantId, tenantId))
    .orderBy(asc(t.vendors.name))) as Vendor[];
}

/** Updates a vendor of this tenant; the unit fails with `GuardError(VENDOR_EXISTS)` when there is none. */
export function updateVendor(
  tx: TenantWriteCtx,
  id: string,
  patch: Partial<VendorInput> & { active?: boolean },
  now = new Date(),
) {
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

export type VendorContact = { id: string; vendorId: string; name: string | null; email: string };

const contactCols = (t: TenantReadCtx['t']) => ({
  id: t.vendorContacts.id,
  vendorId: t.vendorContacts.vendorId,
  name: t.vendorContacts.name,
  email: t.vendorContacts.email,
});

export async function findContact(
  { db, t, tenantId }: TenantReadCtx,
  vendorId: string,
  email: string,
): Promise<VendorContact | null> {
  if (!isId(vendorId)) return null;
  const [row] = await db
    .select(contactCols(t))
    .from(t.vendorContacts)
    .where(
      and(
        eq(t.vendorContacts.tenantId, tenantId),
        eq(t.vendorContacts.vendorId, vendorId),
        eq(t.vendorContacts.email, normaliseEmail(email)),
      ),
    );
  return row ?? null;
}

/** The vendor's contact with this email: the existing one, or one queued for creation. */
export async function ensureContact(
  tx: TenantWriteCtx,
  vendorId: string,
  email: string,
  name: string | null = null,
): Promise<VendorContact & { created: boolean }> {
  const existing = await findContact(tx, vendorId, email);
  if (existing) return { ...existing, created: false };
  return { ...insertContact(tx, { vendorId, name, email }), created: true };
}

/** Queues a contact; one with the same email at the vendor fails the unit (unique key). */
export function insertContact(
  tx: TenantWriteCtx,
  c: { id?: string; vendorId: string; name: string | null; email: string },
): VendorContact {
  const contact = { id: c.id ?? newId(), vendorId: c.vendorId, name: c.name, email: normaliseEmail(c.email) };
  tx.write(tx.db.insert(tx.t.vendorContacts).values({ ...contact, tenantId: tx.tenantId }));
  return contact;
}

export async function listContacts(
  { db, t, tenantId }: TenantReadCtx,
  vendorId: string,
): Promise<VendorContact[]> {
  if (!isId(vendorId)) return [];
  return db
    .select(contactCols(t))
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.vendorId, vendorId)))
    .orderBy(asc(t.vendorContacts.email));
}

export async function getContact(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<VendorContact | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select(contactCols(t))
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.id, id)));
  return row ?? null;
}
