/**
 * A tenant with a vendor, a contact, a published shipped questionnaire and a sent assessment, plus
 * vendor sessions opened directly (what a redeemed link does), for portal tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { SHIPPED_QUESTIONNAIRES } from '../../src/platform/node/questionnaire-files.js';
import { startVendorSession, VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { publishQuestionnaire } from '../../src/workspace/questionnaires.js';
import { ensureTestContact, sealedContact } from './contacts.js';

export interface VendorFixture {
  tenantId: string;
  vendorId: string;
  contactId: string;
  assessmentId: string;
  questionnaireVersionId: string;
}

export interface FixtureOptions {
  tenantName?: string;
  vendorName?: string;
  /** A file in questionnaires/ (default dora-ict-provider.yaml: two locales, a context fact, comments). */
  questionnaire?: string;
  contactEmail?: string;
  contactName?: string;
  dueDate?: string | null;
  context?: Record<string, unknown>;
  now?: Date;
}

export async function vendorFixture(store: Store, opts: FixtureOptions = {}): Promise<VendorFixture> {
  const now = opts.now ?? new Date();
  const source = fs.readFileSync(
    path.join(SHIPPED_QUESTIONNAIRES, opts.questionnaire ?? 'dora-ict-provider.yaml'),
    'utf8',
  );
  const tenantId = newId();
  const scope = store.tenant(tenantId);
  await scope.write((tx) => repo.insertTenant(tx, opts.tenantName ?? 'Acme Bank', tx.tenantId, now));
  const { row } = await scope.write((tx) => publishQuestionnaire(tx, source, { actor: 'test' }));
  const sealed = await sealedContact(
    store,
    tenantId,
    opts.contactEmail ?? 'alice@vendor.example',
    opts.contactName ?? 'Alice',
  );
  return scope.write(async (tx) => {
    const vendor = repo.insertVendor(tx, { name: opts.vendorName ?? `Vendor ${newId().slice(0, 6)}` }, now);
    const contact = await repo.ensureContact(tx, vendor.id, sealed, now);
    const a = repo.insertAssessment(
      tx,
      {
        vendorId: vendor.id,
        contactId: contact.id,
        questionnaireVersionId: row.id,
        dueDate: opts.dueDate ?? '2030-12-31',
      },
      now,
    );
    repo.transitionAssessment(tx, a.id, ['draft'], 'sent', { sentAt: now }, now);
    if (opts.context)
      tx.write(
        tx.db
          .update(tx.t.assessments)
          .set({ context: opts.context })
          .where(and(eq(tx.t.assessments.tenantId, tx.tenantId), eq(tx.t.assessments.id, a.id))),
      );
    return {
      tenantId,
      vendorId: vendor.id,
      contactId: contact.id,
      assessmentId: a.id,
      questionnaireVersionId: row.id,
    };
  });
}

/** Another contact of the fixture's vendor (a colleague answering the same assessment). */
export async function addContact(
  store: Store,
  f: VendorFixture,
  email: string,
  name: string,
): Promise<string> {
  return ensureTestContact(store, f.tenantId, f.vendorId, email, name);
}

/** Opens a vendor session for the fixture's assessment; returns the cookie value. */
export async function vendorSession(
  store: Store,
  f: Pick<VendorFixture, 'tenantId' | 'assessmentId' | 'contactId'>,
  now = new Date(),
): Promise<string> {
  const { token } = await store
    .tenant(f.tenantId)
    .write((tx) => startVendorSession(tx, { assessmentId: f.assessmentId, contactId: f.contactId }, now));
  return token;
}

export const vendorCookie = (token: string) => `${VENDOR_COOKIE}=${token}`;

/** Reads the stored answer rows of the fixture's assessment. */
export function storedAnswers(store: Store, f: Pick<VendorFixture, 'tenantId' | 'assessmentId'>) {
  return store.tenant(f.tenantId).read((ctx) => repo.loadAnswerRows(ctx, f.assessmentId));
}

export function assessmentStatus(store: Store, f: Pick<VendorFixture, 'tenantId' | 'assessmentId'>) {
  return store
    .tenant(f.tenantId)
    .read(async (ctx) => (await repo.getAssessment(ctx, f.assessmentId))?.status);
}
