/**
 * Vendor contacts as stored: a keyed hash of the email for look-up and one sealed field holding name,
 * email, phone and role (src/vendor/contact-data.ts seals and opens it, outside any unit of work). Nothing
 * here sees a plaintext address.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type ContactRow = {
  id: string;
  vendorId: string;
  emailHash: string | null;
  sealed: string | null;
  keyId: string | null;
  erasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date | null;
};

/** A contact sealed for storage (made by `ContactData.seal`). */
export type SealedContact = { id: string; emailHash: string; sealed: string; keyId: string };

const cols = (t: TenantReadCtx['t']) => ({
  id: t.vendorContacts.id,
  vendorId: t.vendorContacts.vendorId,
  emailHash: t.vendorContacts.emailHash,
  sealed: t.vendorContacts.sealed,
  keyId: t.vendorContacts.keyId,
  erasedAt: t.vendorContacts.erasedAt,
  createdAt: t.vendorContacts.createdAt,
  updatedAt: t.vendorContacts.updatedAt,
});

/** The vendor's (live) contact whose normalised email has this keyed hash. */
export async function findContactByHash(
  { db, t, tenantId }: TenantReadCtx,
  vendorId: string,
  emailHash: string,
): Promise<ContactRow | null> {
  if (!isId(vendorId)) return null;
  const [row] = await db
    .select(cols(t))
    .from(t.vendorContacts)
    .where(
      and(
        eq(t.vendorContacts.tenantId, tenantId),
        eq(t.vendorContacts.vendorId, vendorId),
        eq(t.vendorContacts.emailHash, emailHash),
      ),
    );
  return row ?? null;
}

/** Queues a contact; one with the same email (hash) at the vendor fails the unit (unique key). */
export function insertContact(
  tx: TenantWriteCtx,
  c: SealedContact & { vendorId: string },
  now = new Date(),
): ContactRow {
  const row: ContactRow = {
    id: c.id ?? newId(),
    vendorId: c.vendorId,
    emailHash: c.emailHash,
    sealed: c.sealed,
    keyId: c.keyId,
    erasedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.write(tx.db.insert(tx.t.vendorContacts).values({ ...row, tenantId: tx.tenantId }));
  return row;
}

/** The vendor's contact with this email (hash): the existing one, or the sealed one queued for creation. */
export async function ensureContact(
  tx: TenantWriteCtx,
  vendorId: string,
  sealed: SealedContact,
  now = new Date(),
): Promise<ContactRow & { created: boolean }> {
  const existing = await findContactByHash(tx, vendorId, sealed.emailHash);
  if (existing) return { ...existing, created: false };
  return { ...insertContact(tx, { ...sealed, vendorId }, now), created: true };
}

export const CONTACT_LIVE = 'contact-live';

/**
 * Replaces a live contact's sealed data (its id stays: assessments and links refer to it). The sealed
 * value must have been made for this contact's id (the AAD binds it). Fails with CONTACT_LIVE when the
 * contact is not this vendor's, or erased.
 */
export function updateContact(
  tx: TenantWriteCtx,
  vendorId: string,
  sealed: SealedContact,
  now = new Date(),
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.vendorContacts)
      .set({ emailHash: sealed.emailHash, sealed: sealed.sealed, keyId: sealed.keyId, updatedAt: now })
      .where(
        and(
          eq(t.vendorContacts.tenantId, tenantId),
          eq(t.vendorContacts.vendorId, isId(vendorId) ? vendorId : ''),
          eq(t.vendorContacts.id, isId(sealed.id) ? sealed.id : ''),
          isNull(t.vendorContacts.erasedAt),
        ),
      )
      .returning({ id: t.vendorContacts.id }),
    { guard: CONTACT_LIVE },
  );
}

/**
 * Erases a contact's personal data: the sealed field and the keyed hash are overwritten with NULL (which
 * also frees the email for a new contact at the vendor) and `erased_at` is set. The row stays for the
 * assessments that reference it. Guarded on a live contact of this tenant (and vendor, when given).
 */
export function eraseContact(
  tx: TenantWriteCtx,
  id: string,
  now = new Date(),
  vendorId?: string,
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.vendorContacts)
      .set({ emailHash: null, sealed: null, keyId: null, erasedAt: now, updatedAt: now })
      .where(
        and(
          eq(t.vendorContacts.tenantId, tenantId),
          eq(t.vendorContacts.id, isId(id) ? id : ''),
          vendorId === undefined ? undefined : eq(t.vendorContacts.vendorId, isId(vendorId) ? vendorId : ''),
          isNull(t.vendorContacts.erasedAt),
        ),
      )
      .returning({ id: t.vendorContacts.id }),
    { guard: CONTACT_LIVE },
  );
}

/** The vendor's contacts (live ones unless `withErased`), oldest first. */
export async function listContacts(
  { db, t, tenantId }: TenantReadCtx,
  vendorId: string,
  opts: { withErased?: boolean } = {},
): Promise<ContactRow[]> {
  if (!isId(vendorId)) return [];
  return db
    .select(cols(t))
    .from(t.vendorContacts)
    .where(
      and(
        eq(t.vendorContacts.tenantId, tenantId),
        eq(t.vendorContacts.vendorId, vendorId),
        opts.withErased ? undefined : isNull(t.vendorContacts.erasedAt),
      ),
    )
    .orderBy(asc(t.vendorContacts.createdAt), asc(t.vendorContacts.id));
}

export async function getContact({ db, t, tenantId }: TenantReadCtx, id: string): Promise<ContactRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select(cols(t))
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.id, id)));
  return row ?? null;
}
