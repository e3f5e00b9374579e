/**
 * Vendor records in the workspace (docs/vendors.md): create, edit, offboard, accept a review date, and
 * the contacts (sealed personal data, src/vendor/contact-data.ts). Each change is one unit of work with one
 * audit entry (ids, field names and digests only). Sealing and opening happen outside the units.
 */
import * as repo from '../db/repo/index.js';
import type { Vendor, VendorInput } from '../db/repo/vendors.js';
import { GuardError, isUniqueViolation, type Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { MasterKey } from '../keys/master-key.js';
import { contactDataFor, type VendorContact } from '../vendor/contact-data.js';
import type { ContactInput } from './vendor-fields.js';
import { proposeReviewDate, type ReviewProposal } from './vendor-review.js';

export interface VendorActor {
  store: Store;
  master: MasterKey;
  tenantId: string;
  userId: string;
  now: Date;
}

const actorOf = (a: VendorActor) => `user:${a.userId}`;
const scope = (a: VendorActor) => a.store.tenant(a.tenantId);

export const NAME_TAKEN = 'A vendor with this name exists already. Choose another name, or open that vendor.';

function nameTaken(err: unknown): never {
  if (isUniqueViolation(err)) throw new HttpError(422, NAME_TAKEN, { fields: { name: NAME_TAKEN } });
  throw err;
}

const notFound = () => new HttpError(404, 'We could not find that vendor.');

/** Status changes carry the offboarding date with them. */
function statusPatch(input: VendorInput, before: Vendor | null, now: Date) {
  if (input.status === 'offboarded') return { offboardedAt: before?.offboardedAt ?? now };
  return { offboardedAt: null };
}

/** The `vendor.created` entry's data: the one shape, whether the vendor page or a send created it. */
export const vendorCreatedData = (v: Pick<Vendor, 'tier' | 'tierOverridden' | 'status'>) => ({
  tier: v.tier,
  tier_overridden: v.tierOverridden,
  status: v.status,
});

export async function createVendor(a: VendorActor, input: VendorInput): Promise<Vendor> {
  try {
    return await scope(a).write((tx) => {
      const v = repo.insertVendor(tx, input, a.now);
      if (input.status === 'offboarded') repo.updateVendor(tx, v.id, { offboardedAt: a.now }, a.now);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.created',
          target: `vendor:${v.id}`,
          data: vendorCreatedData(v),
        },
        a.now,
      );
      return v;
    });
  } catch (err) {
    nameTaken(err);
  }
}

/** The fields of `input` that differ from the stored vendor (named in the audit entry, values never). */
function changedFields(before: Vendor, input: VendorInput): string[] {
  return (Object.keys(input) as (keyof VendorInput)[]).filter(
    (k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(input[k] ?? null),
  );
}

export async function editVendor(a: VendorActor, id: string, input: VendorInput): Promise<Vendor> {
  const before = await scope(a).read((ctx) => repo.getVendor(ctx, id));
  if (!before) throw notFound();
  const fields = changedFields(before, input);
  try {
    const written = await scope(a).write((tx) => {
      const w = repo.updateVendor(tx, id, { ...input, ...statusPatch(input, before, a.now) }, a.now);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.updated',
          target: `vendor:${id}`,
          data: { fields, tier: input.tier ?? before.tier },
        },
        a.now,
      );
      return w;
    });
    return written.rows[0]!;
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.VENDOR_EXISTS) throw notFound();
    nameTaken(err);
  }
}

/** Offboards a vendor (its record, assessments and risks stay for the register's history). */
export async function archiveVendor(a: VendorActor, id: string): Promise<void> {
  try {
    await scope(a).write((tx) => {
      repo.offboardVendor(tx, id, a.now);
      tx.audit({ actor: actorOf(a), action: 'vendor.archived', target: `vendor:${id}` }, a.now);
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.VENDOR_NOT_OFFBOARDED) {
      const exists = await scope(a).read((ctx) => repo.getVendor(ctx, id));
      if (!exists) throw notFound();
      throw new HttpError(409, 'This vendor is offboarded already.');
    }
    throw err;
  }
}

export interface VendorPage {
  vendor: Vendor;
  /** Opened only for a reader with contact.read; empty otherwise (contactCount still says how many). */
  contacts: VendorContact[];
  contactCount: number;
  assessments: repo.VendorAssessmentLine[];
  openRisks: Record<string, number>;
  openRiskTotal: number;
  proposal: ReviewProposal;
}

/**
 * Everything the vendor page shows, read in one unit; contacts opened after it, and only when
 * `personal` (the reader holds contact.read): otherwise no contact is decrypted at all.
 */
export async function vendorPage(
  a: VendorActor,
  id: string,
  { personal = true }: { personal?: boolean } = {},
): Promise<VendorPage> {
  const read = await scope(a).read(async (ctx) => {
    const vendor = await repo.getVendor(ctx, id);
    if (!vendor) return null;
    const [contacts, assessments, risks, intervals] = await Promise.all([
      repo.listContacts(ctx, id),
      repo.vendorAssessmentLines(ctx, id),
      repo.openRiskCounts(ctx, id),
      repo.getReviewIntervals(ctx),
    ]);
    return { vendor, contacts, assessments, risks, intervals };
  });
  if (!read) throw notFound();
  const contacts = personal ? await contactDataFor(a).openAll(a.tenantId, read.contacts) : [];
  const lastReviewed = read.assessments.find((x) => x.submittedAt)?.submittedAt ?? null;
  const openRisks = read.risks.get(id) ?? {};
  return {
    vendor: read.vendor,
    contacts,
    contactCount: read.contacts.length,
    assessments: read.assessments,
    openRisks,
    openRiskTotal: Object.values(openRisks).reduce((s, n) => s + n, 0),
    proposal: proposeReviewDate(read.vendor, read.intervals, lastReviewed, a.now.toISOString().slice(0, 10)),
  };
}

/**
 * Accepts the proposed next review date. The page posts the date it showed; if the proposal has changed
 * since (a new assessment, another tier), the member is asked to look again rather than set a stale date.
 */
export async function acceptReviewDate(a: VendorActor, id: string, shown: string): Promise<string> {
  const page = await vendorPage(a, id);
  if (page.proposal.date !== shown)
    throw new HttpError(
      409,
      'The proposed review date has changed since the page was shown. Look at it again.',
    );
  try {
    await scope(a).write((tx) => {
      repo.updateVendor(tx, id, { nextReviewDate: page.proposal.date }, a.now);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.review_date_set',
          target: `vendor:${id}`,
          data: { next_review_date: page.proposal.date },
        },
        a.now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError) throw notFound();
    throw err;
  }
  return page.proposal.date;
}

// ---- contacts ----------------------------------------------------------------------------------------

const EMAIL_TAKEN = 'This vendor has a contact with this email already.';

async function liveVendor(a: VendorActor, vendorId: string): Promise<Vendor> {
  const v = await scope(a).read((ctx) => repo.getVendor(ctx, vendorId));
  if (!v) throw notFound();
  return v;
}

export async function addContact(a: VendorActor, vendorId: string, input: ContactInput): Promise<string> {
  await liveVendor(a, vendorId);
  const sealed = await contactDataFor(a).seal(a.tenantId, input);
  try {
    await scope(a).write((tx) => {
      repo.insertContact(tx, { ...sealed, vendorId }, a.now);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.contact_added',
          target: `vendor:${vendorId}`,
          data: { contact: sealed.id },
        },
        a.now,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError(422, EMAIL_TAKEN, { fields: { email: EMAIL_TAKEN } });
    throw err;
  }
  return sealed.id;
}

/** A live contact of this vendor, opened. */
export async function getVendorContact(
  a: VendorActor,
  vendorId: string,
  contactId: string,
): Promise<VendorContact> {
  const row = await scope(a).read((ctx) => repo.getContact(ctx, contactId));
  if (!row || row.vendorId !== vendorId || row.erasedAt)
    throw new HttpError(404, 'We could not find that contact.');
  return contactDataFor(a).open(a.tenantId, row);
}

export async function editContact(
  a: VendorActor,
  vendorId: string,
  contactId: string,
  input: ContactInput,
): Promise<void> {
  await getVendorContact(a, vendorId, contactId);
  const sealed = await contactDataFor(a).seal(a.tenantId, input, contactId);
  try {
    await scope(a).write((tx) => {
      repo.updateContact(tx, vendorId, sealed, a.now);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.contact_updated',
          target: `vendor:${vendorId}`,
          data: { contact: contactId },
        },
        a.now,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError(422, EMAIL_TAKEN, { fields: { email: EMAIL_TAKEN } });
    if (err instanceof GuardError && err.guard === repo.CONTACT_LIVE)
      throw new HttpError(404, 'We could not find that contact.');
    throw err;
  }
}

/**
 * Removes a contact: its personal data is erased (repo.eraseContact) and the row stays for the assessments
 * that name it. The same erasure serves the privacy tools.
 */
export async function removeContact(a: VendorActor, vendorId: string, contactId: string): Promise<void> {
  try {
    await scope(a).write((tx) => {
      repo.eraseContact(tx, contactId, a.now, vendorId);
      tx.audit(
        {
          actor: actorOf(a),
          action: 'vendor.contact_removed',
          target: `vendor:${vendorId}`,
          data: { contact: contactId },
        },
        a.now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.CONTACT_LIVE)
      throw new HttpError(404, 'We could not find that contact.');
    throw err;
  }
}

// ---- review intervals ---------------------------------------------------------------------------------

export async function saveReviewIntervals(a: VendorActor, months: repo.ReviewIntervals): Promise<void> {
  await scope(a).write((tx) => {
    repo.setReviewIntervals(tx, months, a.now);
    tx.audit(
      {
        actor: actorOf(a),
        action: 'settings.review_intervals_updated',
        target: `tenant:${a.tenantId}`,
        data: { ...months },
      },
      a.now,
    );
  });
}
