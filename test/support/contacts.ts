/** Vendor contacts for tests, sealed the way the app seals them (outside the unit that stores them). */
import * as repo from '../../src/db/repo/index.js';
import type { SealedContact } from '../../src/db/repo/vendor-contacts.js';
import type { Store } from '../../src/db/store.js';
import { contactDataFor } from '../../src/vendor/contact-data.js';
import { TEST_MASTER_KEY } from './app.js';

export const testContacts = (store: Store) => contactDataFor({ store, master: TEST_MASTER_KEY });

/** A contact's fields sealed for `tenantId` (a new contact id unless given). */
export function sealedContact(
  store: Store,
  tenantId: string,
  email: string,
  name: string | null = null,
  id?: string,
): Promise<SealedContact> {
  return testContacts(store).seal(tenantId, { name, email, phone: null, role: null }, id);
}

/** The vendor's contact with this email, created if new (one unit); returns its id. */
export async function ensureTestContact(
  store: Store,
  tenantId: string,
  vendorId: string,
  email: string,
  name: string | null = null,
): Promise<string> {
  const sealed = await sealedContact(store, tenantId, email, name);
  return store.tenant(tenantId).write(async (tx) => (await repo.ensureContact(tx, vendorId, sealed)).id);
}
