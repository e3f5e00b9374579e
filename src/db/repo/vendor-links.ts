import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { preparedRead, preparedWrite } from '../prepared.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type VendorLinkPurpose = 'invite' | 'fresh';
export type VendorLink = {
  jti: string;
  assessmentId: string;
  contactId: string;
  purpose: VendorLinkPurpose;
  issuedAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
  revokedAt: Date | null;
};

const cols = (t: TenantReadCtx['t']) => ({
  jti: t.vendorLinks.jti,
  assessmentId: t.vendorLinks.assessmentId,
  contactId: t.vendorLinks.contactId,
  purpose: t.vendorLinks.purpose,
  issuedAt: t.vendorLinks.issuedAt,
  expiresAt: t.vendorLinks.expiresAt,
  consumedAt: t.vendorLinks.consumedAt,
  revokedAt: t.vendorLinks.revokedAt,
});

/**
 * Queues a new link for an assessment and, before it in the same unit, revokes every link of that
 * assessment still open: the newest link is the only one that works (ML-18).
 */
export function issueVendorLink(
  tx: TenantWriteCtx,
  link: Omit<VendorLink, 'consumedAt' | 'revokedAt'>,
): void {
  revokeOpenLinks(tx, link.assessmentId, link.issuedAt);
  tx.write(tx.db.insert(tx.t.vendorLinks).values({ ...link, tenantId: tx.tenantId }));
}

export function revokeOpenLinks(tx: TenantWriteCtx, assessmentId: string, now: Date): Written {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.vendorLinks)
      .set({ revokedAt: now })
      .where(
        and(
          eq(t.vendorLinks.tenantId, tenantId),
          eq(t.vendorLinks.assessmentId, assessmentId),
          isNull(t.vendorLinks.consumedAt),
          isNull(t.vendorLinks.revokedAt),
        ),
      ),
  );
}

export async function getVendorLink(
  { db, t, tenantId }: TenantReadCtx,
  jti: string,
): Promise<VendorLink | null> {
  const [row] = await db
    .select(cols(t))
    .from(t.vendorLinks)
    .where(and(eq(t.vendorLinks.tenantId, tenantId), eq(t.vendorLinks.jti, jti)));
  return row ?? null;
}

/** The most recent links of an assessment, newest first (the workspace shows them; tests read them). */
export async function listVendorLinks(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<VendorLink[]> {
  return db
    .select(cols(t))
    .from(t.vendorLinks)
    .where(and(eq(t.vendorLinks.tenantId, tenantId), eq(t.vendorLinks.assessmentId, assessmentId)))
    .orderBy(desc(t.vendorLinks.issuedAt));
}

/** The guard of a redemption: the unit fails whole unless this call spent the link. */
export const LINK_UNSPENT = 'vendor-link-unspent';

/**
 * Spends a link: one conditional UPDATE (not consumed, not revoked, not expired, of this assessment and
 * contact). Under any concurrency exactly one redemption's unit commits (ML-02).
 */
// Every redemption runs it: prepared once where the driver allows (prepared.ts).
// `nowKey` is the clock in the WHERE clause as the driver takes it: a placeholder there gets no column
// encoder, so SQLite's is epoch milliseconds (timestamp_ms); PostgreSQL and D1 build with the Date.
const consume = preparedWrite(['now', 'nowKey', 'tenantId', 'jti', 'assessmentId', 'contactId'], (db, t, v) =>
  db
    .update(t.vendorLinks)
    .set({ consumedAt: v.now as Date })
    .where(
      and(
        eq(t.vendorLinks.tenantId, v.tenantId as string),
        eq(t.vendorLinks.jti, v.jti as string),
        eq(t.vendorLinks.assessmentId, v.assessmentId as string),
        eq(t.vendorLinks.contactId, v.contactId as string),
        isNull(t.vendorLinks.consumedAt),
        isNull(t.vendorLinks.revokedAt),
        gt(t.vendorLinks.expiresAt, v.nowKey as Date),
      ),
    )
    .returning({ jti: t.vendorLinks.jti }),
);

export function consumeVendorLink(
  tx: TenantWriteCtx,
  link: { jti: string; assessmentId: string; contactId: string },
  now: Date,
): Written<{ jti: string }> {
  return consume(
    tx,
    {
      now,
      nowKey: tx.dialect === 'sqlite' ? now.getTime() : now,
      tenantId: tx.tenantId,
      jti: link.jti,
      assessmentId: link.assessmentId,
      contactId: link.contactId,
    },
    { guard: LINK_UNSPENT },
  ) as Written<{ jti: string }>;
}

/** Everything a vendor link's pages show, in one statement (the interstitial and redemption path). */
export type LinkContext = VendorLink & {
  assessmentStatus: string;
  assessmentContactId: string;
  dueDate: string | null;
  linkTtlHours: number;
  assessmentLocale: string | null;
  otpRequired: boolean;
  tenantName: string;
  vendorName: string;
  /** The contact's sealed fields and email hash (src/vendor/contact-data.ts opens them, outside the unit). */
  contactSealed: string | null;
  contactEmailHash: string | null;
  contactErasedAt: Date | null;
  contactCreatedAt: Date;
  contactVendorId: string;
  questionnaireId: string;
  questionnaireVersion: string;
  questionnaireTitle: string;
  questionnaireVersionId: string;
  questionnaireSourceHash: string;
  /** The member who sent the assessment (as the invitation names them); null when the CLI or system did. */
  senderEmail: string | null;
};

const linkContext = preparedRead(['tenantId', 'jti'], (db, t, p) =>
  db
    .select({
      ...cols(t),
      assessmentStatus: t.assessments.status,
      assessmentContactId: t.assessments.contactId,
      dueDate: t.assessments.dueDate,
      linkTtlHours: t.assessments.linkTtlHours,
      assessmentLocale: t.assessments.locale,
      otpRequired: t.assessments.otpRequired,
      tenantName: t.tenants.name,
      vendorName: t.vendors.name,
      contactSealed: t.vendorContacts.sealed,
      contactEmailHash: t.vendorContacts.emailHash,
      contactErasedAt: t.vendorContacts.erasedAt,
      contactCreatedAt: t.vendorContacts.createdAt,
      contactVendorId: t.vendorContacts.vendorId,
      questionnaireId: t.questionnaireVersions.questionnaireId,
      questionnaireVersion: t.questionnaireVersions.version,
      questionnaireTitle: t.questionnaireVersions.title,
      questionnaireVersionId: t.questionnaireVersions.id,
      questionnaireSourceHash: t.questionnaireVersions.sourceHash,
      senderEmail: t.users.email,
    })
    .from(t.vendorLinks)
    .innerJoin(
      t.assessments,
      and(
        eq(t.assessments.tenantId, t.vendorLinks.tenantId),
        eq(t.assessments.id, t.vendorLinks.assessmentId),
      ),
    )
    .innerJoin(t.tenants, eq(t.tenants.id, t.vendorLinks.tenantId))
    .innerJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.assessments.tenantId), eq(t.vendors.id, t.assessments.vendorId)),
    )
    .innerJoin(
      t.vendorContacts,
      and(
        eq(t.vendorContacts.tenantId, t.vendorLinks.tenantId),
        eq(t.vendorContacts.id, t.vendorLinks.contactId),
      ),
    )
    .innerJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    // The sender only while a member of this tenant (PostgreSQL's users policy shows no one else either).
    .leftJoin(
      t.memberships,
      and(
        eq(t.memberships.tenantId, t.assessments.tenantId),
        eq(t.memberships.userId, t.assessments.createdBy),
      ),
    )
    .leftJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(
      and(
        eq(t.vendorLinks.tenantId, p.tenantId),
        eq(t.vendorLinks.jti, p.jti),
        // A tenant pending deletion answers no link (docs/tenant-exit.md); a cancel brings them back.
        isNull(t.tenants.deletionRequestedAt),
      ),
    ),
);

export async function getLinkContext(ctx: TenantReadCtx, jti: string): Promise<LinkContext | null> {
  const [row] = await linkContext(ctx, { tenantId: ctx.tenantId, jti });
  return (row as LinkContext | undefined) ?? null;
}
